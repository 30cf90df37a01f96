package dev.parley.runtime.internal;

import java.util.concurrent.atomic.LongAdder;

/** Runtime-wide event counters, written by callers and workers without contention. */
public final class Counters {
  public final LongAdder accepted = new LongAdder();
  public final LongAdder completed = new LongAdder();
  public final LongAdder failed = new LongAdder();
  public final LongAdder rejected = new LongAdder();
  public final LongAdder interrupted = new LongAdder();
  public final LongAdder timedOut = new LongAdder();
  public final LongAdder deadLettered = new LongAdder();
  public final LongAdder cancelled = new LongAdder();
  public final LongAdder restarts = new LongAdder();
  public final LongAdder inFlight = new LongAdder();

  /** Accepted events without an outcome yet: what {@code parley.admission.max-pending} bounds. */
  public final LongAdder outstanding = new LongAdder();

  public final LongAdder passivated = new LongAdder();
  public final LongAdder handledNanos = new LongAdder();
  public final LongAdder handled = new LongAdder();

  /** Accepted events not started yet, given the in-flight count read with them. */
  public long pending(long inFlightNow) {
    return Math.max(0, outstanding.sum() - inFlightNow);
  }
}
