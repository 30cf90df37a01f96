package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.cluster.ClusterEdge;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Cluster mode in one JVM, for tests: runtimes that form one cluster, each its own actor system and
 * node on 127.0.0.1, journaled on a fresh database of one real PostgreSQL (one per test class).
 */
final class TestCluster {
  /** How long a cluster test waits for anything: a loaded 2-core machine forms clusters slowly. */
  static final Duration WAIT = Duration.ofSeconds(120);

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private final List<Parley> nodes = new ArrayList<>();
  private final String url;

  /** A cluster of no nodes yet, on a database of its own in {@code postgres}. */
  TestCluster(EmbeddedPostgres postgres) throws SQLException {
    String name = "cluster_" + DATABASES.incrementAndGet();
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    url = postgres.getJdbcUrl("postgres", name);
  }

  /** Starts the PostgreSQL a test class's clusters share. */
  static EmbeddedPostgres startPostgres() throws IOException {
    return EmbeddedPostgres.builder().start();
  }

  /**
   * Starts {@code count} nodes, the first the seed of the others, and waits until all are Up and
   * each lists the others' edges.
   *
   * @param extra HOCON over every node's cluster configuration
   * @param build a node's runtime from its index and configuration
   */
  List<Parley> start(int count, String extra, BiFunction<Integer, Config, Parley> build)
      throws IOException {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = freePort();
    }
    for (int i = 0; i < count; i++) {
      nodes.add(build.apply(i, config(ports[i], ports[0], extra)));
    }
    for (Parley node : nodes) {
      TestProbe.create(node.actorSystem())
          .awaitAssert(
              WAIT,
              () -> {
                long up =
                    StreamSupport.stream(
                            Cluster.get(node.actorSystem()).state().getMembers().spliterator(),
                            false)
                        .filter(member -> member.status() == MemberStatus.up())
                        .count();
                assertEquals(count, up, "members up");
                return null;
              });
    }
    // Up is not enough for a node to reach the others: it finds their edges through the
    // receptionist, whose listing spreads by gossip a little later.
    for (Parley node : nodes) {
      TestProbe<Receptionist.Listing> listing = TestProbe.create(node.actorSystem());
      listing.awaitAssert(
          WAIT,
          () -> {
            node.actorSystem()
                .receptionist()
                .tell(Receptionist.find(ClusterEdge.KEY, listing.getRef()));
            assertEquals(
                count,
                listing.receiveMessage().getServiceInstances(ClusterEdge.KEY).size(),
                "edges listed");
            return null;
          });
    }
    return List.copyOf(nodes);
  }

  private Config config(int port, int seedPort, String extra) {
    return ConfigFactory.parseString(extra)
        .withFallback(
            ConfigFactory.parseString(
                """
                parley.system-name = cluster-test
                parley.mode = cluster
                parley.durability = journal
                parley.journal { url = "%s", user = postgres, password = "" }
                parley.cluster { port = %d, seed-nodes = ["127.0.0.1:%d"] }
                # A busy machine: a new shard's first message may wait for the coordinator's writes.
                parley.ask-timeout = 60s
                """
                    .formatted(url, port, seedPort)));
  }

  /** A node the test has stopped itself: {@link #stop()} leaves it alone. */
  void stopped(Parley node) {
    nodes.remove(node);
  }

  /**
   * Stops the nodes one after the other, the seed last: each leaves a cluster whose leader stays.
   */
  void stop() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      await(nodes.get(i).shutdown());
    }
    nodes.clear();
  }

  /** The node's address as the monitor names it, {@code host:port}. */
  static String address(Parley node) {
    Address address = Cluster.get(node.actorSystem()).selfMember().address();
    return address.getHost().get() + ":" + address.getPort().get();
  }

  static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
