package dev.parley.runtime.internal;

import dev.parley.runtime.Stats;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneFigures;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds {@code Parley.stats()}: the runtime's counters and the figures every live lane published.
 */
public final class StatsSnapshot {
  private StatsSnapshot() {}

  /** A snapshot of the counters and of every live lane, read once each. */
  public static Stats of(
      Collection<Lane> lanes,
      Pauses pauses,
      Counters counters,
      Admission.State permits,
      DeadLetterStore deadLetters,
      long dedupEvictions,
      MovingAverage movingAverage) {
    Map<String, Integer> queueLengths = new HashMap<>();
    Map<String, WorkerHealth> workerHealth = new HashMap<>();
    int active = 0;
    Map<String, Long> laneRestarts = new HashMap<>();
    for (Lane lane : lanes) {
      LaneFigures figures = lane.figures(); // one read: one consistent view of the lane
      WorkerHealth health = pauses.shown(lane.key(), figures.health());
      queueLengths.put(lane.key(), figures.pending());
      workerHealth.put(lane.key(), health);
      if (figures.restarts() > 0) {
        laneRestarts.put(lane.key(), figures.restarts());
      }
      if (health == WorkerHealth.BUSY || health == WorkerHealth.UNHEALTHY) {
        active++; // running an event, as the monitor counts them
      }
    }
    long handledNanos = counters.handledNanos.sum();
    long handled = counters.handled.sum();
    long inFlight = Math.max(0, counters.inFlight.sum());
    return new Stats(
        new Stats.Totals(
            counters.accepted.sum(),
            counters.completed.sum(),
            counters.failed.sum(),
            counters.rejected.sum(),
            counters.timedOut.sum(),
            counters.deadLettered.sum(),
            counters.cancelled.sum(),
            counters.interrupted.sum(),
            inFlight,
            counters.pending(inFlight),
            counters.restarts.sum(),
            counters.passivated.sum()),
        workerHealth.size(),
        active,
        new Stats.AdmissionStats(
            permits.maxInFlight(),
            permits.effectiveMaxInFlight(),
            permits.inFlight(),
            permits.waiting()),
        queueLengths,
        workerHealth,
        laneRestarts,
        deadLetters.size(),
        deadLetters.dropped(),
        dedupEvictions,
        movingAverage.averageMs(handledNanos, handled));
  }
}
