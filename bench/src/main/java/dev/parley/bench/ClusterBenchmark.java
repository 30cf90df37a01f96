package dev.parley.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Event;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.LoggerFactory;

/**
 * Accepted events per second with {@code parley.mode = cluster} through 1 node and through 3 nodes,
 * all in this JVM, on one embedded PostgreSQL (fsync and synchronous commits on), a fresh database
 * per case. Each round submits {@code bench.cluster.events} events over {@code bench.cluster.lanes}
 * lanes from {@code bench.callers} threads through {@code Parley.enqueue}, round-robin over the
 * nodes, with at most {@code bench.cluster.in-flight} receipts outstanding; a receipt counts once
 * it says accepted, which the lane's node gives after the event's {@code Enqueued} is written. The
 * handler answers at once. All nodes share the machine's cores, so the ratio shows what sharding
 * costs, not how it scales.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests &amp;&amp; java -Xms2g -Xmx2g -cp
 *   bench/target/parley-bench.jar dev.parley.bench.ClusterBenchmark
 * </pre>
 */
public final class ClusterBenchmark {
  private final int lanes = Integer.getInteger("bench.cluster.lanes", 1000);
  private final int events = Integer.getInteger("bench.cluster.events", 20_000);
  private final int callers = Integer.getInteger("bench.callers", 2);
  private final int inFlight = Integer.getInteger("bench.cluster.in-flight", 256);
  private final int rounds = Integer.getInteger("bench.rounds", 3);
  private final EmbeddedPostgres postgres;
  private int databases;

  private ClusterBenchmark() throws Exception {
    postgres = // durable as in production: fsync and synchronous commits on
        EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .start();
  }

  public static void main(String[] args) throws Exception {
    LoggerFactory.getILoggerFactory();
    new ClusterBenchmark().run();
    System.exit(0);
  }

  private void run() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "Parley cluster benchmark: %,d events over %,d lanes, %d callers, %d receipts in flight,"
            + " one JVM, %d cores, PostgreSQL (embedded, synchronous commits)%n",
        events,
        lanes,
        callers,
        inFlight,
        Runtime.getRuntime().availableProcessors());
    double one = measure(1);
    double three = measure(3);
    System.out.printf(
        Locale.ROOT,
        "result   1 node %,9.0f accepted/s   3 nodes %,9.0f accepted/s   3/1 %.3f%n",
        one,
        three,
        three / one);
  }

  /** One case: a cluster of {@code size} nodes on a fresh database, a warm-up and the rounds. */
  private double measure(int size) throws Exception {
    String url = freshDatabase();
    List<Parley> nodes = startCluster(size, url);
    try {
      List<Double> measured = new ArrayList<>();
      for (int round = 1; round <= rounds + 1; round++) { // the first round warms up
        double perSecond = round(nodes, size, round);
        String label = round == 1 ? "warm-up" : "round " + (round - 1);
        System.out.printf(
            Locale.ROOT,
            "%-8s %d node%s %,9.0f accepted/s%n",
            label,
            size,
            size == 1 ? " " : "s",
            perSecond);
        if (round > 1) {
          measured.add(perSecond);
        }
      }
      double median = median(measured);
      System.out.printf(
          Locale.ROOT,
          "median   %d node%s %,9.0f accepted/s%n",
          size,
          size == 1 ? " " : "s",
          median);
      return median;
    } finally {
      stopCluster(nodes);
    }
  }

  /** A new, empty database on the server, for one case; its JDBC URL. */
  private String freshDatabase() throws Exception {
    String name = "bench_cluster_" + ++databases;
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    return postgres.getJdbcUrl("postgres", name);
  }

  /** Starts {@code size} nodes, the first the seed of all, and waits until each sees all Up. */
  private List<Parley> startCluster(int size, String url) throws Exception {
    int[] ports = new int[size];
    for (int i = 0; i < size; i++) {
      ports[i] = freePort();
    }
    List<Parley> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      nodes.add(node(url, ports[i], ports[0]));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (Parley node : nodes) {
      while (up(node) < size) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the cluster of " + size + " did not come up");
        }
        Thread.sleep(100);
      }
    }
    return nodes;
  }

  private static long up(Parley node) {
    return StreamSupport.stream(
            Cluster.get(node.actorSystem()).state().getMembers().spliterator(), false)
        .filter(member -> member.status() == MemberStatus.up())
        .count();
  }

  private Parley node(String url, int port, int seedPort) {
    Config config =
        ConfigFactory.parseString(
                """
                parley.mode = cluster
                parley.durability = journal
                parley.journal { url = "%s", user = postgres, password = "" }
                parley.cluster { port = %d, seed-nodes = ["127.0.0.1:%d"] }
                parley.monitor.enabled = off
                parley.worker.max-queue = %d
                parley.startup-timeout = 60s
                parley.ask-timeout = 120s
                """
                    .formatted(url, port, seedPort, events))
            .withFallback(BenchSettings.parleyConfig("bench-cluster"));
    return Parley.builder()
        .config(config)
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()))
        .build();
  }

  /**
   * One node after the other, the seed last: each leaves a cluster whose leader stays. A node whose
   * shutdown takes over a minute is terminated (reported): the figures are taken by then.
   */
  private static void stopCluster(List<Parley> nodes) throws Exception {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Parley node = nodes.get(i);
      try {
        node.shutdown().toCompletableFuture().get(1, TimeUnit.MINUTES);
      } catch (TimeoutException e) {
        System.out.printf(
            Locale.ROOT,
            "(node %d of %d: shutdown took over 1 min, terminated)%n",
            i + 1,
            nodes.size());
      }
      node.actorSystem().terminate();
      node.actorSystem().getWhenTerminated().toCompletableFuture().get(2, TimeUnit.MINUTES);
    }
  }

  /** One round: {@code events} events, round-robin over the nodes; accepted events per second. */
  private double round(List<Parley> nodes, int size, int round) throws Exception {
    CompletableFuture<Void> all = new CompletableFuture<>();
    AtomicInteger left = new AtomicInteger(events);
    Semaphore slots = new Semaphore(inFlight);
    long start = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < callers; c++) {
      int caller = c;
      Thread thread =
          new Thread(
              () -> {
                for (int i = caller; i < events && !all.isDone(); i += callers) {
                  slots.acquireUninterruptibly();
                  Event event =
                      Event.to("lane-" + (i % lanes))
                          .id(size + "n-r" + round + "-" + i)
                          .payload("a message of a conversation, about eighty bytes long: " + i)
                          .build();
                  nodes
                      .get(i % size)
                      .enqueue(event)
                      .whenComplete(
                          (receipt, error) -> {
                            slots.release();
                            if (error != null || receipt.status() != Receipt.Status.ACCEPTED) {
                              all.completeExceptionally(
                                  new IllegalStateException("not accepted: " + receipt, error));
                            } else if (left.decrementAndGet() == 0) {
                              all.complete(null);
                            }
                          });
                }
              },
              "bench-caller-" + c);
      thread.start();
      threads.add(thread);
    }
    all.get(10, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - start) / 1e9;
    for (Thread thread : threads) {
      thread.join();
    }
    return events / seconds;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
