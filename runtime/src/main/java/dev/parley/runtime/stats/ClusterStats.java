package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cluster mode: the latest summary of every other node, and their merge with this node's own
 * figures (and, for a filtered view, the other nodes' answers) into one cluster-wide {@link
 * StateUpdate}. Only current members count, and only while their summary is fresh; the merge shows
 * at most {@code top} lanes. Plain code, without actors: the stats hub feeds it summaries, the
 * membership and the time.
 */
final class ClusterStats {
  private record Received(NodeSummary summary, long atNanos) {}

  private final String self;
  private final long staleAfterNanos;
  private final Map<String, Received> latest = new HashMap<>();

  /**
   * @param self this node's address
   * @param staleAfter how long a node's last summary counts when no newer one comes
   */
  ClusterStats(String self, Duration staleAfter) {
    this.self = self;
    this.staleAfterNanos = staleAfter.toNanos();
  }

  String self() {
    return self;
  }

  /** Keeps another node's summary, in place of its previous one; this node's own is ignored. */
  void received(NodeSummary summary, long nowNanos) {
    if (!summary.node().equals(self)) {
      latest.put(summary.node(), new Received(summary, nowNanos));
    }
  }

  /**
   * This node's figures merged with the other nodes' latest summaries: totals, rates, counts and
   * queue length summed over the nodes, latency the highest of theirs (percentiles do not add up),
   * and the top {@code top} of all the lanes shown, each with its node. Forgets the summaries of
   * nodes that are no longer members, and of those silent for longer than the stale time.
   *
   * @param own this node's update for {@code prefix} and {@code top}; its lanes carry this node
   * @param members the current members (joining and exiting ones excluded), each with whether it is
   *     {@code Up}
   * @param prefix the filter {@code own} was built with: the other nodes' shown lanes are filtered
   *     by it too (only those in their summaries can show)
   */
  StateUpdate merge(
      StateUpdate own, Map<String, Boolean> members, long nowNanos, String prefix, int top) {
    return merge(own, members, nowNanos, prefix, top, Map.of());
  }

  /**
   * As {@link #merge(StateUpdate, Map, long, String, int)}, with the nodes' answers for {@code
   * prefix} and {@code top} in place of their summaries: an answer's lanes and lane count are exact
   * for the filter; a member that did not answer shows from its summary.
   *
   * @param answers the other nodes' own updates for {@code prefix} and {@code top}, by node
   */
  StateUpdate merge(
      StateUpdate own,
      Map<String, Boolean> members,
      long nowNanos,
      String prefix,
      int top,
      Map<String, NodeSummary> answers) {
    latest
        .values()
        .removeIf(
            received ->
                !members.containsKey(received.summary().node())
                    || nowNanos - received.atNanos() > staleAfterNanos);
    Map<String, NodeSummary> others = new HashMap<>();
    latest.forEach((node, received) -> others.put(node, received.summary()));
    answers.forEach(
        (node, answer) -> {
          if (members.containsKey(node) && !node.equals(self)) {
            others.put(node, answer);
          }
        });
    List<StateUpdate.NodeFigures> nodes = new ArrayList<>();
    nodes.add(figures(self, members.getOrDefault(self, false), own));
    Merged sum = new Merged(own);
    List<LaneReport> lanes = new ArrayList<>(own.workerPool().lanes());
    int lanesTotal = own.lanesTotal();
    for (NodeSummary summary : others.values()) {
      StateUpdate other = summary.update();
      nodes.add(figures(summary.node(), members.get(summary.node()), other));
      sum.add(other);
      if (answers.containsKey(summary.node())) {
        lanes.addAll(other.workerPool().lanes());
        lanesTotal += other.lanesTotal();
        continue;
      }
      List<LaneReport> matching =
          other.workerPool().lanes().stream()
              .filter(lane -> lane.laneKey().startsWith(prefix))
              .toList();
      lanes.addAll(matching);
      lanesTotal += prefix.isEmpty() ? other.lanesTotal() : matching.size();
    }
    nodes.sort(Comparator.comparing(StateUpdate.NodeFigures::node));
    List<LaneReport> shown = top(lanes, top);
    return new StateUpdate(
        own.ts(),
        sum.queueLength,
        own.isRunning(),
        new StateUpdate.WorkerPool(sum.totalWorkers, sum.activeWorkers, sum.byHealth, shown),
        sum.admission,
        sum.throughput,
        sum.latency,
        sum.totals,
        sum.deadLetters,
        shown.size(),
        lanesTotal,
        nodes);
  }

  private static StateUpdate.NodeFigures figures(String node, boolean up, StateUpdate update) {
    return new StateUpdate.NodeFigures(
        node,
        up,
        update.queueLength(),
        update.admission().inFlight(),
        update.workerPool().totalWorkers());
  }

  /** The first {@code top} lanes in rank order, one report per lane key (the highest ranked). */
  private static List<LaneReport> top(List<LaneReport> lanes, int top) {
    List<LaneReport> ranked = new ArrayList<>(lanes);
    ranked.sort(LaneReport.RANK);
    Set<String> keys = new HashSet<>();
    List<LaneReport> shown = new ArrayList<>();
    for (LaneReport lane : ranked) {
      if (shown.size() == top) {
        break;
      }
      if (keys.add(lane.laneKey())) { // a lane moving between nodes may show in two summaries
        shown.add(lane);
      }
    }
    return shown;
  }

  /** Sums of the nodes' figures, starting from this node's. */
  private static final class Merged {
    long queueLength;
    int totalWorkers;
    int activeWorkers;
    final Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    StateUpdate.Permits admission;
    StateUpdate.Throughput throughput;
    StateUpdate.Latency latency;
    StateUpdate.Totals totals;
    int deadLetters;

    Merged(StateUpdate own) {
      queueLength = own.queueLength();
      totalWorkers = own.workerPool().totalWorkers();
      activeWorkers = own.workerPool().activeWorkers();
      byHealth.putAll(own.workerPool().byHealth());
      admission = own.admission();
      throughput = own.throughput();
      latency = own.latency();
      totals = own.totals();
      deadLetters = own.deadLetters();
    }

    void add(StateUpdate other) {
      queueLength += other.queueLength();
      totalWorkers += other.workerPool().totalWorkers();
      activeWorkers += other.workerPool().activeWorkers();
      other
          .workerPool()
          .byHealth()
          .forEach((health, count) -> byHealth.merge(health, count, Integer::sum));
      StateUpdate.Permits permits = other.admission();
      admission =
          new StateUpdate.Permits(
              cap(admission.maxInFlight(), permits.maxInFlight()),
              cap(admission.effectiveMaxInFlight(), permits.effectiveMaxInFlight()),
              admission.inFlight() + permits.inFlight(),
              admission.waiting() + permits.waiting());
      StateUpdate.Throughput rates = other.throughput();
      throughput =
          new StateUpdate.Throughput(
              throughput.acceptedPerSec() + rates.acceptedPerSec(),
              throughput.completedPerSec() + rates.completedPerSec(),
              throughput.failedPerSec() + rates.failedPerSec());
      StateUpdate.Latency times = other.latency();
      latency =
          new StateUpdate.Latency(
              Math.max(latency.queueWaitMsP50(), times.queueWaitMsP50()),
              Math.max(latency.queueWaitMsP99(), times.queueWaitMsP99()),
              Math.max(latency.handlerMsP50(), times.handlerMsP50()),
              Math.max(latency.handlerMsP99(), times.handlerMsP99()));
      StateUpdate.Totals counts = other.totals();
      totals =
          new StateUpdate.Totals(
              totals.accepted() + counts.accepted(),
              totals.completed() + counts.completed(),
              totals.failed() + counts.failed(),
              totals.timedOut() + counts.timedOut(),
              totals.deadLettered() + counts.deadLettered(),
              totals.cancelled() + counts.cancelled(),
              totals.interrupted() + counts.interrupted(),
              totals.restarts() + counts.restarts());
      deadLetters += other.deadLetters();
    }

    /**
     * Each node caps its own in-flight events: the cluster's cap is their sum, none if one has
     * none.
     */
    private static int cap(int a, int b) {
      return a == 0 || b == 0 ? 0 : a + b;
    }
  }
}
