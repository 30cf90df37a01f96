package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.cluster.ClusterEdge;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode in one JVM: three runtimes, each its own actor system and cluster node, on one real
 * PostgreSQL. Lanes are sharded over them; any node takes events for any lane.
 */
class ClusterModeTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final AtomicInteger databases = new AtomicInteger();
  private static EmbeddedPostgres postgres;

  private final List<Parley> nodes = new ArrayList<>();

  /** Per space, the events its handler ran, in the order they started, with the node. */
  private final Map<String, List<String>> runs = new ConcurrentHashMap<>();

  private final Map<String, AtomicInteger> runningPerSpace = new ConcurrentHashMap<>();
  private final AtomicInteger overlaps = new AtomicInteger();

  /** Per node, the ended events its listener heard (that node's, and those of watched spaces). */
  private final Map<String, List<String>> heard = new ConcurrentHashMap<>();

  private String url;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void freshDatabase() throws Exception {
    String name = "cluster_" + databases.incrementAndGet();
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    url = postgres.getJdbcUrl("postgres", name);
  }

  /** One node after the other, the seed last: each leaves a cluster whose leader stays. */
  @AfterEach
  void stopNodes() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      await(nodes.get(i).shutdown());
    }
  }

  /** Starts three nodes, the first the seed of the others, and waits until all three are Up. */
  private void startCluster(Map<String, CompletableFuture<Void>> gates) throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    for (int i = 0; i < ports.length; i++) {
      nodes.add(node(i, ports[i], ports[0], gates));
    }
    for (Parley node : nodes) {
      TestProbe.create(node.actorSystem())
          .awaitAssert(
              WAIT,
              () -> {
                long up =
                    java.util.stream.StreamSupport.stream(
                            Cluster.get(node.actorSystem()).state().getMembers().spliterator(),
                            false)
                        .filter(member -> member.status() == MemberStatus.up())
                        .count();
                assertEquals(3, up, "members up");
                return null;
              });
    }
    // Each node asks the others about ids, watches and ends through their edges: all three known.
    for (Parley node : nodes) {
      TestProbe<Receptionist.Listing> listing = TestProbe.create(node.actorSystem());
      listing.awaitAssert(
          WAIT,
          () -> {
            node.actorSystem()
                .receptionist()
                .tell(Receptionist.find(ClusterEdge.KEY, listing.getRef()));
            assertEquals(3, listing.receiveMessage().getServiceInstances(ClusterEdge.KEY).size());
            return null;
          });
    }
  }

  private Parley node(
      int index, int port, int seedPort, Map<String, CompletableFuture<Void>> gates) {
    Config config =
        ConfigFactory.parseString(
            """
            parley.system-name = cluster-test
            parley.mode = cluster
            parley.durability = journal
            parley.journal { url = "%s", user = postgres, password = "" }
            parley.cluster { port = %d, seed-nodes = ["127.0.0.1:%d"] }
            parley.monitor.enabled = off
            # A busy machine: a new shard's first message may wait for the coordinator's writes.
            parley.ask-timeout = 60s
            """
                .formatted(url, port, seedPort));
    String node = "node-" + index;
    List<String> heardHere = heard.computeIfAbsent(node, n -> new CopyOnWriteArrayList<>());
    return Parley.builder()
        .config(config)
        .listener(
            new EventListener() {
              @Override
              public void onFinished(FinishedEvent finished) {
                heardHere.add(finished.eventId());
              }

              @Override
              public boolean hearsOtherNodes() {
                return true;
              }
            })
        .handler(
            (event, lane) -> {
              String space = event.spaceId();
              if (runningPerSpace.computeIfAbsent(space, s -> new AtomicInteger()).incrementAndGet()
                  > 1) {
                overlaps.incrementAndGet();
              }
              runs.computeIfAbsent(space, s -> new CopyOnWriteArrayList<>())
                  .add(event.id() + "@" + node);
              CompletionStage<Void> gate =
                  gates.getOrDefault(event.id(), CompletableFuture.completedFuture(null));
              return gate.thenApply(
                  done -> {
                    runningPerSpace.get(space).decrementAndGet();
                    return Reply.of(node);
                  });
            })
        .build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }

  @Test
  void aHundredLanesFedThroughThreeNodesKeepTheirOrderAndGetOneOutcomePerEvent() throws Exception {
    startCluster(Map.of());
    int lanes = 100;
    int perLane = 12;
    // Each lane's events one after the other, each through the next node: the next is submitted
    // once the lane has accepted the one before, so acceptance order is submission order.
    List<CompletableFuture<?>> chains = new ArrayList<>();
    for (int l = 0; l < lanes; l++) {
      String space = "space-" + l;
      CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
      for (int e = 0; e < perLane; e++) {
        Parley via = nodes.get((l + e) % nodes.size());
        Event event = Event.to(space).id(space + "-" + e).payload(e).build();
        chain =
            chain
                .thenCompose(previous -> via.enqueue(event))
                .thenAccept(receipt -> assertTrue(receipt.accepted(), receipt.toString()));
      }
      chains.add(chain);
    }
    CompletableFuture.allOf(chains.toArray(CompletableFuture[]::new))
        .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS)
        .join();
    for (int l = 0; l < lanes; l++) {
      String space = "space-" + l;
      List<String> expected = new ArrayList<>();
      for (int e = 0; e < perLane; e++) {
        String id = space + "-" + e;
        Parley via = nodes.get((l + e) % nodes.size());
        Outcome outcome = await(via.outcome(id).orElseThrow());
        assertInstanceOf(Outcome.Completed.class, outcome, id);
        Parley other = nodes.get((l + e + 1) % nodes.size());
        assertEquals(
            EventStatus.State.FINISHED,
            await(other.status(id)).orElseThrow(() -> new AssertionError(id + " unknown")).state(),
            id + " looked up through another node than its own");
        expected.add(id);
      }
      List<String> ran = runs.get(space).stream().map(run -> run.split("@")[0]).toList();
      assertEquals(expected, ran, "the events of " + space + ", each once, in order");
      assertEquals(
          1,
          runs.get(space).stream().map(run -> run.split("@")[1]).distinct().count(),
          "one node runs a lane");
    }
    assertEquals(0, overlaps.get(), "never two events of one lane at once");
    long nodesUsed =
        runs.values().stream().map(list -> list.get(0).split("@")[1]).distinct().count();
    assertEquals(3, nodesUsed, "the lanes are spread over the three nodes");
  }

  @Test
  void aLaneHandedOverByALeavingNodeGoesOnOnAnotherWithItsQueue() throws Exception {
    CompletableFuture<Void> firstMayEnd = new CompletableFuture<>();
    Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    startCluster(gates);
    // A lane hosted by another node than the one events are submitted through.
    Parley via = nodes.get(0);
    String space = null;
    for (int i = 0; space == null; i++) {
      String candidate = "moving-" + i;
      Outcome probe = await(via.submit(Event.to(candidate).id(candidate + "-probe").build()));
      String host = ((Outcome.Completed) probe).reply().value().toString();
      if (!host.equals("node-0")) {
        space = candidate;
      }
    }
    String host = runs.get(space).get(0).split("@")[1];
    Parley hostNode = nodes.get(Integer.parseInt(host.substring("node-".length())));

    gates.put(space + "-0", firstMayEnd);
    List<String> ids = new ArrayList<>();
    for (int e = 0; e < 5; e++) {
      String id = space + "-" + e;
      ids.add(id);
      assertTrue(await(via.enqueue(Event.to(space).id(id).build())).accepted());
    }
    String running = space + "-0";
    String lane = space;
    TestProbe.create(via.actorSystem())
        .awaitAssert(
            WAIT,
            () -> {
              assertTrue(runs.get(lane).contains(running + "@" + host), "the first one runs");
              return null;
            });

    // A node that neither took these events nor hosts their lane finds them, live.
    Parley third =
        nodes.stream().filter(node -> node != via && node != hostNode).findFirst().orElseThrow();
    assertEquals(
        EventStatus.State.RUNNING, await(third.status(running)).orElseThrow().state(), running);
    assertEquals(
        EventStatus.State.PENDING, await(third.status(space + "-4")).orElseThrow().state());

    // The host leaves: its lane starts nothing more, and hands over once the running event ends.
    CompletionStage<?> leaving = hostNode.shutdown();
    TestProbe.create(via.actorSystem())
        .awaitAssert(
            WAIT,
            () -> {
              assertTrue(await(hostNode.lane(lane)).paused(), "the lane is being handed over");
              return null;
            });
    firstMayEnd.complete(null);
    await(leaving);
    nodes.remove(hostNode);

    for (String id : ids) {
      assertInstanceOf(Outcome.Completed.class, await(via.outcome(id).orElseThrow()), id);
    }
    List<String> ran = runs.get(space);
    assertEquals(
        List.of(
            space + "-probe", space + "-0", space + "-1", space + "-2", space + "-3", space + "-4"),
        ran.stream().map(run -> run.split("@")[0]).toList(),
        "each once, in order");
    String nextHost = ran.get(2).split("@")[1];
    assertNotEquals(host, nextHost, "the queue went on on another node");
    assertTrue(ran.subList(2, ran.size()).stream().allMatch(run -> run.endsWith("@" + nextHost)));
    assertEquals(0, overlaps.get(), "never two events of one lane at once");
  }

  /**
   * A pause, a resume and a space's policy asked of one node hold on every node, so the lane's
   * node, wherever it is, follows them; any node can wait for the end of an event submitted through
   * another.
   */
  @Test
  void aPauseAndAPolicyAskedOfOneNodeHoldOnEveryNodeAndAnyNodeAwaitsAnEventsEnd() throws Exception {
    startCluster(Map.of());
    Parley asked = nodes.get(0);
    asked.pause("held");
    asked.policy("strict", DoubleTextPolicy.REJECT);
    for (Parley node : nodes) {
      TestProbe.create(node.actorSystem())
          .awaitAssert(
              WAIT,
              () -> {
                assertTrue(node.isPaused("held"));
                assertEquals(DoubleTextPolicy.REJECT, node.policy("strict"));
                return null;
              });
    }

    // Whichever node hosts the lane, it starts nothing while paused.
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      Parley via = nodes.get(e);
      Receipt receipt = await(via.enqueue(Event.to("held").id("held-" + e).build()));
      assertTrue(receipt.accepted(), receipt.toString());
      outcomes.add(via.outcome("held-" + e).orElseThrow());
    }
    LaneView held = await(nodes.get(1).lane("held"));
    assertTrue(held.paused());
    assertEquals(3, held.pending().size(), "nothing started");
    assertTrue(runs.getOrDefault("held", List.of()).isEmpty());

    // Any node waits for an event's end, wherever it was submitted.
    List<CompletableFuture<Boolean>> ends = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      ends.add(nodes.get((e + 1) % 3).awaitEnd("held-" + e, WAIT).toCompletableFuture());
    }
    assertEquals(false, await(nodes.get(1).awaitEnd("nobody-knows-me", Duration.ofSeconds(5))));
    assertTrue(ends.stream().noneMatch(CompletableFuture::isDone), "a paused lane ends nothing");

    // Bulk cancel and reorder through nodes that did not take these events.
    for (String extra : List.of("held-x1", "held-x2")) {
      assertTrue(await(nodes.get(0).enqueue(Event.to("held").id(extra).build())).accepted());
    }
    CancelReport report =
        await(nodes.get(1).cancelAll(List.of("held-x1", "held-x2", "nobody-knows-me")));
    assertEquals(List.of("held-x1", "held-x2"), report.cancelled(), report.toString());
    assertEquals(
        List.of(new CancelReport.NotCancelled("nobody-knows-me", CancelReport.UNKNOWN)),
        report.notCancelled());
    assertEquals(List.of(), await(nodes.get(2).reorder("held", List.of("held-2", "held-0"))));

    nodes.get(2).resume("held");
    for (CompletableFuture<Boolean> end : ends) {
      assertTrue(await(end), "ended, seen from another node than the submitter");
    }
    for (CompletionStage<Outcome> outcome : outcomes) {
      assertInstanceOf(Outcome.Completed.class, await(outcome));
    }
    assertEquals(
        List.of("held-2", "held-0", "held-1"),
        runs.get("held").stream().map(run -> run.split("@")[0]).toList(),
        "in the order the reorder asked; the cancelled ones never ran");
    for (Parley node : nodes) {
      TestProbe.create(node.actorSystem())
          .awaitAssert(
              WAIT,
              () -> {
                assertTrue(!node.isPaused("held"), "resumed everywhere");
                return null;
              });
    }
  }

  /**
   * A node that watches a space hears its events that end on the node hosting its lane: each once,
   * in order (an SSE stream of the space through any node).
   */
  @Test
  void aNodeWatchingASpaceHearsItsEventsEndingOnAnother() throws Exception {
    startCluster(Map.of());
    Parley watcher = nodes.get(1);
    String space = null;
    for (int i = 0; space == null; i++) {
      String candidate = "followed-" + i;
      Outcome probe = await(nodes.get(0).submit(Event.to(candidate).id(candidate + "-p").build()));
      if (!((Outcome.Completed) probe).reply().value().equals("node-1")) {
        space = candidate;
      }
    }
    AutoCloseable watching = await(watcher.watchSpace(space));

    List<String> ids = new ArrayList<>();
    for (int e = 0; e < 5; e++) {
      String id = space + "-" + e;
      ids.add(id);
      assertInstanceOf(
          Outcome.Completed.class, await(nodes.get(e % 3).submit(Event.to(space).id(id).build())));
    }
    String followed = space;
    TestProbe.create(watcher.actorSystem())
        .awaitAssert(
            WAIT,
            () -> {
              assertEquals(
                  ids,
                  heard.get("node-1").stream()
                      .filter(id -> id.startsWith(followed + "-"))
                      .toList());
              return null;
            });
    watching.close();
  }
}
