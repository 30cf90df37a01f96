package dev.parley.runtime.stats;

import dev.parley.runtime.WorkerHealth;
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
 */
public record LaneReport(
    String laneKey,
    int depth,
    WorkerHealth health,
    Optional<String> running,
    long processed,
    long failed,
    long restarts,
    double averageMs) {}
