package dev.parley.runtime;

import static dev.parley.runtime.TestCluster.WAIT;
import static dev.parley.runtime.TestCluster.address;
import static dev.parley.runtime.TestCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The monitor in cluster mode: every node's updates show the top lanes of all nodes, each with the
 * node that hosts it, and figures summed over the nodes; a filtered view (a prefix, more lanes)
 * asks the other nodes; a node that leaves drops out.
 */
class ClusterMonitorTest {
  private static final int MIN_LANES = 12;
  private static final int PER_LANE = 3;

  /** The lanes an update and a node's summary show: fewer than each node has. */
  private static final int TOP = 2;

  private static EmbeddedPostgres postgres;

  /** Every event waits for it: each lane runs its first event and holds the others pending. */
  private final CompletableFuture<Void> release = new CompletableFuture<>();

  /** Per lane, the index of the node that ran its events. */
  private final Map<String, Integer> hosts = new ConcurrentHashMap<>();

  private TestCluster cluster;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = TestCluster.startPostgres();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void freshDatabase() throws Exception {
    cluster = new TestCluster(postgres);
  }

  @AfterEach
  void stopNodes() {
    release.complete(null);
    cluster.stop();
  }

  @Test
  void nodeAShowsTheTopLanesOfAllNodesWithTheirNodeAndTheSumOfTheNodesUntilOneLeaves()
      throws Exception {
    List<Parley> nodes =
        cluster.start(
            3,
            "parley.monitor { interval = 500ms, top-lanes = " + TOP + " }",
            (index, config) ->
                Parley.builder()
                    .config(config)
                    .handler(
                        (event, lane) -> {
                          hosts.put(lane.laneKey(), index);
                          return release.thenApply(done -> Reply.of(index));
                        })
                    .build());
    Parley a = nodes.get(0);
    // Lanes through A until there are enough and every node hosts some (each lane's first event
    // runs before the next lane is sent, so the test knows where each one is).
    TestProbe<?> probe = TestProbe.create(a.actorSystem());
    List<String> ids = new ArrayList<>();
    int lanes = 0;
    while (lanes < MIN_LANES || new HashSet<>(hosts.values()).size() < nodes.size()) {
      assertTrue(lanes < 100, "the lanes spread over the nodes: " + hosts);
      String lane = "lane-" + lanes++;
      for (int e = 0; e < PER_LANE; e++) {
        String id = lane + "-" + e;
        ids.add(id);
        assertTrue(await(a.enqueue(Event.to(lane).id(id).build())).accepted(), id);
      }
      probe.awaitAssert(
          WAIT,
          () -> {
            assertTrue(hosts.containsKey(lane), lane + " runs its first event");
            return null;
          });
    }
    int allLanes = lanes;

    Map<String, String> hostedOn = new HashMap<>();
    hosts.forEach((lane, index) -> hostedOn.put(lane, address(nodes.get(index))));
    probe.awaitAssert(
        WAIT,
        () -> {
          StateUpdate update = a.monitor().latest().orElseThrow();
          assertEquals(TOP, update.lanesShown(), "the top lanes of all nodes");
          assertEquals(allLanes, update.lanesTotal());
          assertEquals((long) allLanes * (PER_LANE - 1), update.queueLength());
          assertEquals(sum(nodes, node -> node.stats().totals().pending()), update.queueLength());
          assertEquals(
              sum(nodes, node -> node.stats().totals().accepted()), update.totals().accepted());
          assertEquals(
              sum(nodes, node -> node.stats().totalWorkers()), update.workerPool().totalWorkers());
          assertEquals(allLanes, update.workerPool().activeWorkers());
          assertEquals(allLanes, update.admission().inFlight());
          List<StateUpdate.NodeFigures> expected = new ArrayList<>();
          for (Parley node : nodes) {
            Stats stats = node.stats();
            expected.add(
                new StateUpdate.NodeFigures(
                    address(node),
                    true,
                    stats.totals().pending(),
                    (int) stats.totals().inFlight(),
                    stats.totalWorkers()));
          }
          expected.sort(Comparator.comparing(StateUpdate.NodeFigures::node));
          assertEquals(expected, update.nodes(), "the figures of each node");

          // More lanes than the nodes' summaries hold, and a prefix: the other nodes are asked.
          assertEquals(hostedOn, shownOn(await(a.monitor().snapshot("", 100))));
          StateUpdate filtered = await(a.monitor().snapshot("lane-1", 100));
          Map<String, String> prefixed = new HashMap<>(hostedOn);
          prefixed.keySet().removeIf(lane -> !lane.startsWith("lane-1"));
          assertEquals(prefixed, shownOn(filtered), "each lane with the node that hosts it");
          assertEquals(prefixed.size(), filtered.lanesTotal());
          assertEquals(update.queueLength(), filtered.queueLength(), "the totals stay whole");
          return null;
        });

    release.complete(null);
    for (String id : ids) {
      assertInstanceOf(Outcome.Completed.class, await(a.outcome(id).orElseThrow()), id);
    }
    Parley leaving = nodes.get(2);
    String gone = address(leaving);
    await(leaving.shutdown());
    cluster.stopped(leaving);
    probe.awaitAssert(
        WAIT,
        () -> {
          StateUpdate update = a.monitor().latest().orElseThrow();
          assertEquals(
              List.of(address(a), address(nodes.get(1))).stream().sorted().toList(),
              update.nodes().stream().map(StateUpdate.NodeFigures::node).toList(),
              "the node that left is gone");
          assertTrue(
              update.workerPool().lanes().stream().noneMatch(lane -> gone.equals(lane.node())),
              "no lane shows on the node that left");
          assertEquals(0, update.queueLength());
          return null;
        });
  }

  /** Each lane the update shows, with its node; each holds the events after its first pending. */
  private static Map<String, String> shownOn(StateUpdate update) {
    Map<String, String> shownOn = new HashMap<>();
    for (LaneReport lane : update.workerPool().lanes()) {
      shownOn.put(lane.laneKey(), lane.node());
      assertEquals(PER_LANE - 1, lane.depth(), lane.laneKey() + " holds the rest pending");
    }
    return shownOn;
  }

  private static long sum(List<Parley> nodes, ToLongFunction<Parley> figure) {
    return nodes.stream().mapToLong(figure).sum();
  }
}
