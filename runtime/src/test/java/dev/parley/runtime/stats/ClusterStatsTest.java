package dev.parley.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.runtime.WorkerHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cluster-wide merge of the nodes' summaries, without actors. */
class ClusterStatsTest {
  private static final String A = "127.0.0.1:25520";
  private static final String B = "127.0.0.1:25521";
  private static final String C = "127.0.0.1:25522";
  private static final Duration STALE_AFTER = Duration.ofSeconds(3);
  private static final long NOW = Duration.ofHours(1).toNanos();

  /** A lane of a node's update: {@code key} with {@code depth} pending, busy when it has any. */
  private record Lane(String key, int depth) {}

  /** A summary heard {@code ageMs} before the merge. */
  private record Heard(String node, long ageMs, List<Lane> lanes) {}

  /**
   * @param members the current members, each with whether it is Up
   * @param lanes the merged update's lanes as {@code key@node}, in order
   * @param nodes the merged update's nodes, in order
   */
  private record Case(
      String name,
      List<Lane> own,
      List<Heard> heard,
      Map<String, Boolean> members,
      String prefix,
      int top,
      List<String> lanes,
      List<String> nodes,
      long queueLength,
      int lanesTotal) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    Map<String, Boolean> all = Map.of(A, true, B, true, C, true);
    List<Lane> onA = List.of(new Lane("a1", 1));
    List<Lane> onB = List.of(new Lane("b1", 5), new Lane("b2", 0));
    List<Lane> onC = List.of(new Lane("c1", 3));
    return Stream.of(
        new Case(
            "every member's lanes, by depth, each with its node",
            onA,
            List.of(new Heard(B, 0, onB), new Heard(C, 0, onC)),
            all,
            "",
            10,
            List.of("b1@" + B, "c1@" + C, "a1@" + A, "b2@" + B),
            List.of(A, B, C),
            9,
            4),
        new Case(
            "never more than top lanes",
            onA,
            List.of(new Heard(B, 0, onB), new Heard(C, 0, onC)),
            all,
            "",
            2,
            List.of("b1@" + B, "c1@" + C),
            List.of(A, B, C),
            9,
            4),
        new Case(
            "a node that left the cluster drops out",
            onA,
            List.of(new Heard(B, 0, onB), new Heard(C, 0, onC)),
            Map.of(A, true, B, true),
            "",
            10,
            List.of("b1@" + B, "a1@" + A, "b2@" + B),
            List.of(A, B),
            6,
            3),
        new Case(
            "a node silent for longer than the stale time drops out",
            onA,
            List.of(new Heard(B, 0, onB), new Heard(C, 3_001, onC)),
            all,
            "",
            10,
            List.of("b1@" + B, "a1@" + A, "b2@" + B),
            List.of(A, B),
            6,
            3),
        new Case(
            "a summary just within the stale time counts",
            onA,
            List.of(new Heard(C, 3_000, onC)),
            all,
            "",
            10,
            List.of("c1@" + C, "a1@" + A),
            List.of(A, C),
            4,
            2),
        new Case(
            "this node's own summary heard back counts once",
            onA,
            List.of(new Heard(A, 0, List.of(new Lane("stale", 9)))),
            all,
            "",
            10,
            List.of("a1@" + A),
            List.of(A),
            1,
            1),
        new Case(
            "the prefix filters the other nodes' lanes too",
            List.of(new Lane("b-mine", 2)),
            List.of(new Heard(B, 0, onB), new Heard(C, 0, onC)),
            all,
            "b",
            10,
            List.of("b1@" + B, "b-mine@" + A, "b2@" + B),
            List.of(A, B, C),
            10,
            3),
        new Case(
            "a lane moving between nodes shows once, as ranked highest",
            onA,
            List.of(new Heard(B, 0, List.of(new Lane("a1", 4)))),
            all,
            "",
            10,
            List.of("a1@" + B),
            List.of(A, B),
            5,
            2),
        new Case(
            "a node not yet heard from is not shown",
            onA,
            List.of(),
            all,
            "",
            10,
            List.of("a1@" + A),
            List.of(A),
            1,
            1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mergesTheCurrentMembersFreshSummaries(Case c) {
    ClusterStats stats = new ClusterStats(A, STALE_AFTER);
    for (Heard heard : c.heard()) {
      stats.received(
          new NodeSummary(heard.node(), update(heard.node(), heard.lanes(), "", 100)),
          NOW - Duration.ofMillis(heard.ageMs()).toNanos());
    }

    StateUpdate merged =
        stats.merge(update(A, c.own(), c.prefix(), c.top()), c.members(), NOW, c.prefix(), c.top());

    assertEquals(
        c.lanes(),
        merged.workerPool().lanes().stream()
            .map(lane -> lane.laneKey() + "@" + lane.node())
            .toList());
    assertEquals(c.nodes(), merged.nodes().stream().map(StateUpdate.NodeFigures::node).toList());
    assertEquals(c.queueLength(), merged.queueLength());
    assertEquals(c.lanesTotal(), merged.lanesTotal());
    assertEquals(merged.workerPool().lanes().size(), merged.lanesShown());
  }

  @Test
  void aFilteredViewTakesTheAnswersOfTheNodesThatAnsweredAndTheSummariesOfTheOthers() {
    ClusterStats stats = new ClusterStats(A, STALE_AFTER);
    // Their summaries show each node's top lane only.
    stats.received(new NodeSummary(B, update(B, List.of(new Lane("t-b1", 1)), "", 1)), NOW);
    stats.received(new NodeSummary(C, update(C, List.of(new Lane("x-c1", 9)), "", 1)), NOW);
    List<Lane> onB = List.of(new Lane("t-b1", 1), new Lane("t-b2", 1), new Lane("u-b3", 5));
    List<Lane> onC = List.of(new Lane("x-c1", 9), new Lane("t-c2", 2));
    Map<String, NodeSummary> answers =
        Map.of(
            B,
            new NodeSummary(B, update(B, onB, "t-", 10)),
            A,
            new NodeSummary(A, update(A, List.of(new Lane("t-stale", 7)), "t-", 10)),
            "127.0.0.1:9",
            new NodeSummary("127.0.0.1:9", update(C, onC, "t-", 10)));
    Map<String, Boolean> members = Map.of(A, true, B, true, C, true);

    StateUpdate merged =
        stats.merge(
            update(A, List.of(new Lane("t-a1", 3)), "t-", 10), members, NOW, "t-", 10, answers);

    assertEquals(
        List.of("t-a1@" + A, "t-b1@" + B, "t-b2@" + B),
        merged.workerPool().lanes().stream()
            .map(lane -> lane.laneKey() + "@" + lane.node())
            .toList(),
        "B's answer in full; C's summary, whose lanes do not match; neither this node's own"
            + " answer nor a non-member's");
    assertEquals(3, merged.lanesTotal());
    assertEquals(
        List.of(A, B, C), merged.nodes().stream().map(StateUpdate.NodeFigures::node).toList());
    assertEquals(3 + 7 + 9, merged.queueLength(), "B's figures from its answer");
  }

  @Test
  void totalsRatesAndCountsAreTheSumOfTheNodesAndLatencyTheHighest() {
    ClusterStats stats = new ClusterStats(A, STALE_AFTER);
    StateUpdate b = update(B, List.of(new Lane("b1", 5), new Lane("b2", 0)), "", 100);
    stats.received(new NodeSummary(B, b), NOW);
    StateUpdate own = update(A, List.of(new Lane("a1", 1)), "", 100);

    StateUpdate merged = stats.merge(own, Map.of(A, true, B, false), NOW, "", 100);

    assertEquals(6, merged.queueLength());
    assertEquals(3, merged.workerPool().totalWorkers());
    assertEquals(2, merged.workerPool().activeWorkers());
    assertEquals(2, merged.workerPool().byHealth().get(WorkerHealth.BUSY));
    assertEquals(1, merged.workerPool().byHealth().get(WorkerHealth.HEALTHY));
    assertEquals(new StateUpdate.Permits(0, 0, 3, 3), merged.admission()); // neither has a cap
    assertEquals(new StateUpdate.Throughput(3, 6, 9), merged.throughput());
    assertEquals(new StateUpdate.Latency(3, 4, 5, 6), merged.latency());
    assertEquals(new StateUpdate.Totals(3, 6, 9, 12, 15, 18, 21, 24), merged.totals());
    assertEquals(30, merged.deadLetters());
    assertEquals(own.ts(), merged.ts());
    assertEquals(
        List.of(
            new StateUpdate.NodeFigures(A, true, 1, 1, 1),
            new StateUpdate.NodeFigures(B, false, 5, 2, 2)),
        merged.nodes());
  }

  @Test
  void theClustersCapIsTheSumOfTheNodesCaps() {
    ClusterStats stats = new ClusterStats(A, STALE_AFTER);
    stats.received(new NodeSummary(B, update(B, List.of(), "", 100)), NOW);
    StateUpdate own = withCap(update(A, List.of(), "", 100), 4);

    StateUpdate capped = stats.merge(own, Map.of(A, true, B, true), NOW, "", 100);
    assertEquals(0, capped.admission().maxInFlight(), "B is unlimited");

    stats.received(new NodeSummary(B, withCap(update(B, List.of(), "", 100), 6)), NOW);
    assertEquals(
        10, stats.merge(own, Map.of(A, true, B, true), NOW, "", 100).admission().maxInFlight());
  }

  /**
   * A node's own update: its lanes whose key starts with {@code prefix}, at most {@code top}; the
   * figures grow with the node's port (A 1, B 2, C 3), so that sums show which nodes counted.
   */
  private static StateUpdate update(String node, List<Lane> lanes, String prefix, int top) {
    int n = Integer.parseInt(node.substring(node.lastIndexOf(':') + 1)) - 25519;
    List<LaneReport> reports = new ArrayList<>();
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, 0);
    }
    long queueLength = 0;
    for (Lane lane : lanes) {
      WorkerHealth health = lane.depth() > 0 ? WorkerHealth.BUSY : WorkerHealth.HEALTHY;
      byHealth.merge(health, 1, Integer::sum);
      queueLength += lane.depth();
      if (lane.key().startsWith(prefix)) {
        reports.add(
            new LaneReport(lane.key(), lane.depth(), health, Optional.empty(), 0, 0, 0, 1.0, node));
      }
    }
    reports.sort(LaneReport.RANK);
    List<LaneReport> shown = reports.subList(0, Math.min(top, reports.size()));
    return new StateUpdate(
        1_000L * n,
        queueLength,
        true,
        new StateUpdate.WorkerPool(lanes.size(), byHealth.get(WorkerHealth.BUSY), byHealth, shown),
        new StateUpdate.Permits(0, 0, n, n),
        new StateUpdate.Throughput(n, 2 * n, 3 * n),
        new StateUpdate.Latency(n + 1, n + 2, n + 3, n + 4),
        new StateUpdate.Totals(n, 2 * n, 3 * n, 4 * n, 5 * n, 6 * n, 7 * n, 8 * n),
        10 * n,
        shown.size(),
        reports.size(),
        List.of());
  }

  private static StateUpdate withCap(StateUpdate update, int cap) {
    return new StateUpdate(
        update.ts(),
        update.queueLength(),
        update.isRunning(),
        update.workerPool(),
        new StateUpdate.Permits(cap, cap, update.admission().inFlight(), 0),
        update.throughput(),
        update.latency(),
        update.totals(),
        update.deadLetters(),
        update.lanesShown(),
        update.lanesTotal(),
        update.nodes());
  }
}
