package dev.parley.runtime;

import java.util.Map;

/**
 * A snapshot of the runtime.
 *
 * @param accepted events accepted since start
 * @param completed events that ended {@link Outcome.Completed}
 * @param failed events that ended {@link Outcome.Failed}
 * @param rejected events refused at submit
 * @param interrupted events ended {@link Outcome.Interrupted} by a shutdown
 * @param inFlight events whose handler is running now
 * @param pending accepted events not yet started
 * @param totalWorkers live workers (one per lane with recent traffic)
 * @param activeWorkers workers running an event now
 * @param passivated workers stopped after being idle, since start
 * @param queueLengths pending events per lane (lanes of live workers)
 * @param workerHealth the state of each live worker
 * @param processingTimeAvgMs the mean handler time over the moving window ({@code
 *     parley.stats.moving-average-window}), 0 when nothing finished in it
 */
public record Stats(
    long accepted,
    long completed,
    long failed,
    long rejected,
    long interrupted,
    long inFlight,
    long pending,
    int totalWorkers,
    int activeWorkers,
    long passivated,
    Map<String, Integer> queueLengths,
    Map<String, WorkerHealth> workerHealth,
    double processingTimeAvgMs) {

  public Stats {
    queueLengths = Map.copyOf(queueLengths);
    workerHealth = Map.copyOf(workerHealth);
  }
}
