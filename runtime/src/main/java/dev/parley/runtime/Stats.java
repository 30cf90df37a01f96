package dev.parley.runtime;

import java.util.Map;

/**
 * A snapshot of the runtime.
 *
 * @param totals event counts since start
 * @param totalWorkers live workers (one per lane with recent traffic)
 * @param activeWorkers workers running an event now
 * @param admission the global in-flight cap and the lanes waiting for it
 * @param queueLengths pending events per lane (lanes of live workers)
 * @param workerHealth the state of each live worker
 * @param laneRestarts supervised restarts per live lane, for lanes restarted at least once
 * @param deadLetters dead letters kept now ({@code Parley.deadLetters()})
 * @param deadLettersDropped dead letters dropped because the store was full, since start
 * @param dedupEvictions finished ids forgotten before the end of {@code parley.dedup.window}
 *     because {@code parley.dedup.max-ids} were kept, since start (their ids could run again)
 * @param processingTimeAvgMs the mean handler time over the moving window ({@code
 *     parley.stats.moving-average-window}), 0 when nothing finished in it
 */
public record Stats(
    Totals totals,
    int totalWorkers,
    int activeWorkers,
    AdmissionStats admission,
    Map<String, Integer> queueLengths,
    Map<String, WorkerHealth> workerHealth,
    Map<String, Long> laneRestarts,
    int deadLetters,
    long deadLettersDropped,
    long dedupEvictions,
    double processingTimeAvgMs) {

  public Stats {
    queueLengths = Map.copyOf(queueLengths);
    workerHealth = Map.copyOf(workerHealth);
    laneRestarts = Map.copyOf(laneRestarts);
  }

  /**
   * The global in-flight cap ({@code parley.admission.max-in-flight}).
   *
   * @param maxInFlight the configured cap, 0 when unlimited
   * @param effectiveMaxInFlight the cap in force: lower than the configured one while adaptive
   *     admission sees memory or CPU pressure; 0 when unlimited
   * @param permitsOut permits held by lanes running an event
   * @param waitingLanes lanes with a ready event waiting for a permit
   */
  public record AdmissionStats(
      int maxInFlight, int effectiveMaxInFlight, int permitsOut, int waitingLanes) {}

  /**
   * Event counts since start. Every accepted event is pending, in flight, or counted in exactly one
   * of completed, failed, timedOut, deadLettered, cancelled and interrupted.
   *
   * @param accepted events accepted
   * @param completed events that ended {@link Outcome.Completed}
   * @param failed events that ended {@link Outcome.Failed}
   * @param rejected events refused at submit (not accepted)
   * @param timedOut events that ended {@link Outcome.TimedOut}
   * @param deadLettered events that ended {@link Outcome.DeadLettered}
   * @param cancelled events that ended {@link Outcome.Cancelled}
   * @param interrupted events that ended {@link Outcome.Interrupted}
   * @param inFlight events whose handler is still running after the message that started it, or
   *     that wait to retry
   * @param pending accepted events not yet started
   * @param restarts supervised restarts of workers' handler contexts
   * @param passivated workers stopped after being idle
   */
  public record Totals(
      long accepted,
      long completed,
      long failed,
      long rejected,
      long timedOut,
      long deadLettered,
      long cancelled,
      long interrupted,
      long inFlight,
      long pending,
      long restarts,
      long passivated) {}
}
