package dev.parley.runtime.stats;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.FinishedEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Records the queue wait and handling time, in microseconds, of the timed events that started (one
 * in 16, or every event while a user listener is registered); the {@link StatsHub} takes their
 * percentiles once per interval. Each thread that finishes events (a worker dispatcher's thread)
 * records into its own pair of single-writer recorders: a recorder shared by the threads would make
 * every event pay for contended atomic updates, which cost a third of the runtime's throughput when
 * measured.
 */
public final class LatencyRecorder implements EventListener {
  private static final int SIGNIFICANT_DIGITS = 2;

  /** One thread's recorders. */
  private static final class Recorders {
    final Thread owner = Thread.currentThread();
    final SingleWriterRecorder queueWait = new SingleWriterRecorder(SIGNIFICANT_DIGITS);
    final SingleWriterRecorder handling = new SingleWriterRecorder(SIGNIFICANT_DIGITS);
    Histogram queueWaitInterval; // recycled by the hub between intervals
    Histogram handlingInterval;
  }

  private final List<Recorders> all = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Recorders> mine =
      ThreadLocal.withInitial(
          () -> {
            Recorders recorders = new Recorders();
            all.add(recorders);
            return recorders;
          });
  private final Histogram queueWait = new Histogram(SIGNIFICANT_DIGITS);
  private final Histogram handling = new Histogram(SIGNIFICANT_DIGITS);

  @Override
  public void onFinished(FinishedEvent finished) {
    if (finished.started()) {
      Recorders recorders = mine.get();
      recorders.queueWait.recordValue(finished.queuedNanos() / 1_000);
      recorders.handling.recordValue(finished.handledNanos() / 1_000);
    }
  }

  /**
   * The percentiles of what every thread recorded since the last call; zeros when nothing was.
   * Called by the hub only.
   */
  StateUpdate.Latency takeInterval() {
    queueWait.reset();
    handling.reset();
    for (Recorders recorders : all) {
      recorders.queueWaitInterval =
          recorders.queueWait.getIntervalHistogram(recorders.queueWaitInterval);
      recorders.handlingInterval =
          recorders.handling.getIntervalHistogram(recorders.handlingInterval);
      queueWait.add(recorders.queueWaitInterval);
      handling.add(recorders.handlingInterval);
      if (!recorders.owner.isAlive()) {
        all.remove(recorders); // a retired pool thread records no more
      }
    }
    return new StateUpdate.Latency(
        millisAt(queueWait, 50),
        millisAt(queueWait, 99),
        millisAt(handling, 50),
        millisAt(handling, 99));
  }

  private static double millisAt(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0
        ? 0
        : histogram.getValueAtPercentile(percentile) / 1_000.0;
  }
}
