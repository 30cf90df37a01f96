package dev.parley.runtime.monitor;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.FinishedEvent;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records every started event's queue wait and handling time, in microseconds, into wait-free
 * interval recorders; the {@link StatsHub} takes their percentiles once per interval.
 */
public final class LatencyRecorder implements EventListener {
  private static final int SIGNIFICANT_DIGITS = 2;

  private final Recorder queueWait = new Recorder(SIGNIFICANT_DIGITS);
  private final Recorder handling = new Recorder(SIGNIFICANT_DIGITS);
  private Histogram queueWaitInterval; // owned by the hub: recycled between intervals
  private Histogram handlingInterval;

  @Override
  public void onFinished(FinishedEvent finished) {
    if (finished.started()) {
      queueWait.recordValue(finished.queuedNanos() / 1_000);
      handling.recordValue(finished.handledNanos() / 1_000);
    }
  }

  /** The percentiles of what was recorded since the last call; zeros when nothing was. */
  StateUpdate.Latency takeInterval() {
    queueWaitInterval = queueWait.getIntervalHistogram(queueWaitInterval);
    handlingInterval = handling.getIntervalHistogram(handlingInterval);
    return new StateUpdate.Latency(
        millisAt(queueWaitInterval, 50),
        millisAt(queueWaitInterval, 99),
        millisAt(handlingInterval, 50),
        millisAt(handlingInterval, 99));
  }

  private static double millisAt(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0
        ? 0
        : histogram.getValueAtPercentile(percentile) / 1_000.0;
  }
}
