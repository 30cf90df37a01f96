package dev.parley.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the responses of one phase of a run (warm-up, measurement) came to: their latencies in
 * microseconds, status codes and transport errors. Written from any thread; {@link #sample()} is
 * called by one thread at a time.
 */
final class Phase {
  /** Latencies above an hour are recorded as an hour; no request waits that long (--timeout). */
  static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

  private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
  private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder responses = new LongAdder();
  private final LongAccumulator lastEnd = new LongAccumulator(Math::max, Long.MIN_VALUE);

  /** A response with {@code status} to a request meant to be sent at {@code intendedNanos}. */
  void answered(int status, long intendedNanos, long endNanos) {
    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    ended(intendedNanos, endNanos);
  }

  /** A request that got no response: refused connection, reset, its timeout. */
  void failed(Throwable error, long intendedNanos, long endNanos) {
    errors.computeIfAbsent(error.getClass().getSimpleName(), e -> new LongAdder()).increment();
    ended(intendedNanos, endNanos);
  }

  private void ended(long intendedNanos, long endNanos) {
    long micros = TimeUnit.NANOSECONDS.toMicros(endNanos - intendedNanos);
    recorder.recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
    responses.increment();
    lastEnd.accumulate(endNanos);
  }

  /** The latencies recorded since the last sample, which are added to {@link #total()}. */
  synchronized Histogram sample() {
    Histogram interval = recorder.getIntervalHistogram();
    total.add(interval);
    return interval;
  }

  /** Every latency recorded up to the last {@link #sample()}. */
  synchronized Histogram total() {
    return total.copy();
  }

  long responses() {
    return responses.sum();
  }

  long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Responses whose status is not 2xx. */
  long non2xx() {
    return statuses.entrySet().stream()
        .filter(e -> e.getKey() / 100 != 2)
        .mapToLong(e -> e.getValue().sum())
        .sum();
  }

  /** When the last answer or failure came, or {@code Long.MIN_VALUE} before any. */
  long lastEndNanos() {
    return lastEnd.get();
  }

  Map<Integer, Long> statuses() {
    return counts(statuses);
  }

  Map<String, Long> errors() {
    return counts(errors);
  }

  private static <K extends Comparable<K>> Map<K, Long> counts(Map<K, LongAdder> adders) {
    Map<K, Long> sorted = new TreeMap<>();
    adders.forEach((key, adder) -> sorted.put(key, adder.sum()));
    return sorted;
  }
}
