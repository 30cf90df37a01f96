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
  public final LongAdder restarts = new LongAdder();
  public final LongAdder inFlight = new LongAdder();
  public final LongAdder passivated = new LongAdder();
  public final LongAdder handledNanos = new LongAdder();
  public final LongAdder handled = new LongAdder();

  /** Accepted events that reached their outcome. */
  public long ended() {
    return completed.sum() + failed.sum() + interrupted.sum() + timedOut.sum() + deadLettered.sum();
  }

  /** Accepted events that have not started: what is left after the ended and running ones. */
  public long pending() {
    long ended = ended();
    return Math.max(0, accepted.sum() - ended - inFlight.sum());
  }
}
