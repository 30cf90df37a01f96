package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
import java.util.List;
import java.util.Map;

/**
 * What the monitor publishes every {@code parley.monitor.interval}: totals and rates for the whole
 * runtime, counts of workers by health, and the top lanes by depth (bounded however many lanes
 * exist). A superset of the MAIAR queue state ({@code queueLength}, {@code isRunning}, {@code
 * workerPool}). In cluster mode "the whole runtime" is every member node: figures are summed over
 * the nodes' latest summaries, latency percentiles are the highest node's, each lane names its
 * node, and {@code nodes} breaks the figures down by node.
 *
 * @param ts when it was taken, epoch milliseconds
 * @param queueLength pending events in all lanes
 * @param isRunning whether the runtime accepts events and is not paused as a whole (this node's)
 * @param workerPool live workers, and the lanes shown
 * @param admission the global in-flight cap
 * @param throughput rates over the last interval
 * @param latency percentiles over the last interval (0 when no event ended in it)
 * @param totals counts since start
 * @param deadLetters dead letters held
 * @param lanesShown lanes in {@link WorkerPool#lanes}
 * @param lanesTotal live lanes that match the filter (all live lanes without one)
 * @param nodes cluster mode: each node the figures come from, by address; empty in one JVM
 */
public record StateUpdate(
    long ts,
    long queueLength,
    boolean isRunning,
    WorkerPool workerPool,
    Permits admission,
    Throughput throughput,
    Latency latency,
    Totals totals,
    int deadLetters,
    int lanesShown,
    int lanesTotal,
    List<NodeFigures> nodes) {

  public StateUpdate {
    nodes = List.copyOf(nodes);
  }

  /**
   * @param totalWorkers live workers
   * @param activeWorkers workers running an event now
   * @param byHealth live workers by health
   * @param lanes the lanes shown, deepest first (then the least healthy, then by key)
   */
  public record WorkerPool(
      int totalWorkers,
      int activeWorkers,
      Map<WorkerHealth, Integer> byHealth,
      List<LaneReport> lanes) {
    public WorkerPool {
      byHealth = Map.copyOf(byHealth);
      lanes = List.copyOf(lanes);
    }
  }

  /**
   * @param maxInFlight the configured cap; 0 when unlimited
   * @param effectiveMaxInFlight the cap in force (lower under adaptive pressure); 0 when unlimited
   * @param inFlight events running or waiting to retry
   * @param waiting lanes waiting for a permit
   */
  public record Permits(int maxInFlight, int effectiveMaxInFlight, int inFlight, int waiting) {}

  /** Events per second over the last interval; failed counts every ending but completed. */
  public record Throughput(double acceptedPerSec, double completedPerSec, double failedPerSec) {}

  /** Milliseconds, over the events that ended in the last interval. */
  public record Latency(
      double queueWaitMsP50, double queueWaitMsP99, double handlerMsP50, double handlerMsP99) {}

  public record Totals(
      long accepted,
      long completed,
      long failed,
      long timedOut,
      long deadLettered,
      long cancelled,
      long interrupted,
      long restarts) {}

  /**
   * One node of the cluster as its last summary showed it.
   *
   * @param node its address, {@code host:port}
   * @param up whether it is an {@code Up} member
   * @param queueLength pending events in its lanes
   * @param inFlight events running on it (or waiting to retry)
   * @param lanes its live lanes
   */
  public record NodeFigures(String node, boolean up, long queueLength, int inFlight, int lanes) {}
}
