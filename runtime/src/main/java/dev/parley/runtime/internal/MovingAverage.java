package dev.parley.runtime.internal;

/**
 * The mean handler time over a moving window, from periodic samples of the cumulative totals in
 * {@link Counters}: the hot path only adds to two counters, and the window costs one sample per
 * interval.
 */
public final class MovingAverage {
  private final long[] nanos;
  private final long[] counts;
  private int next;
  private int filled;

  public MovingAverage(int samples) {
    this.nanos = new long[samples];
    this.counts = new long[samples];
  }

  /** Records the cumulative totals now. */
  public synchronized void sample(long totalNanos, long totalCount) {
    nanos[next] = totalNanos;
    counts[next] = totalCount;
    next = (next + 1) % nanos.length;
    filled = Math.min(filled + 1, nanos.length);
  }

  /** The mean in milliseconds between the oldest sample in the window and the given totals. */
  public synchronized double averageMs(long totalNanos, long totalCount) {
    int oldest = filled < nanos.length ? 0 : next;
    long n = totalCount - (filled == 0 ? 0 : counts[oldest]);
    long t = totalNanos - (filled == 0 ? 0 : nanos[oldest]);
    return n <= 0 ? 0.0 : t / 1_000_000.0 / n;
  }

  /** The average handling time of the runtime whose {@code counters} these are. */
  public double averageMs(Counters counters) {
    return averageMs(counters.handledNanos.sum(), counters.handled.sum());
  }
}
