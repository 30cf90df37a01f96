package dev.parley.runtime.lane;

import dev.parley.runtime.WorkerHealth;

/**
 * What a lane shows, as its worker last published it ({@link Lane#figures}): for stats, the monitor
 * and the health check. A snapshot, taken when asked for: the worker writes its figures in place.
 */
public record LaneFigures(
    int pending,
    WorkerHealth health,
    String runningId,
    long deadlineNanos,
    long completed,
    long failed,
    long restarts,
    double averageMs) {}
