package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
import java.util.Comparator;
import java.util.Optional;

/**
 * One lane as its worker last reported it to the monitor: at most one report per lane per {@code
 * parley.monitor.interval}, never one per event.
 *
 * @param laneKey the lane
 * @param depth pending events
 * @param health the worker's health ({@link WorkerHealth#PAUSED} when paused and idle)
 * @param running the id of the event it runs, if any
 * @param processed events it completed
 * @param failed events it ended otherwise (failed, timed out, dead-lettered, interrupted)
 * @param restarts supervised restarts of its handler context
 * @param averageMs moving average of its handling time; NaN before its first event
 * @param node cluster mode: the node that hosts the lane ({@code host:port}); null in one JVM
 */
public record LaneReport(
    String laneKey,
    int depth,
    WorkerHealth health,
    Optional<String> running,
    long processed,
    long failed,
    long restarts,
    double averageMs,
    String node) {

  /** The order lanes are shown in: deepest first, then the least healthy, then by key. */
  static final Comparator<LaneReport> RANK =
      Comparator.comparingInt(LaneReport::depth)
          .thenComparingInt(report -> severity(report.health()))
          .reversed()
          .thenComparing(LaneReport::laneKey);

  /** How much a lane in this health asks for attention: the higher, the earlier it is shown. */
  private static int severity(WorkerHealth health) {
    return switch (health) {
      case UNHEALTHY -> 5;
      case RESTARTING -> 4;
      case BUSY -> 3;
      case STARTING -> 2;
      case PAUSED -> 1;
      case HEALTHY -> 0;
    };
  }
}
