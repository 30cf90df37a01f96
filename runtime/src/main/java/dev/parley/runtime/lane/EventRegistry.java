package dev.parley.runtime.lane;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Events that can be looked up by id: those accepted through {@code Parley.enqueue} and those whose
 * id the caller chose. Live ones stay until they end; finished ones are kept for status queries and
 * duplicate detection, up to {@code parley.status.retain} of them and for at most the dedup window.
 * Events submitted with a generated id are not registered: their id cannot repeat, and the hot path
 * stays free of this map.
 */
public final class EventRegistry {
  private final ConcurrentHashMap<String, Worker.Submit> byId = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Worker.Submit> finished = new ConcurrentLinkedQueue<>();
  private final AtomicInteger finishedCount = new AtomicInteger();
  private final int retain;
  private final long dedupWindowNanos;
  private final LongSupplier nanoClock;

  public EventRegistry(int retain, long dedupWindowNanos, LongSupplier nanoClock) {
    this.retain = retain;
    this.dedupWindowNanos = dedupWindowNanos;
    this.nanoClock = nanoClock;
  }

  /**
   * Registers {@code submit}, unless an event with its id is live or finished within the dedup
   * window: then returns that one, and {@code submit} must not run.
   */
  public Worker.Submit register(Worker.Submit submit) {
    String id = submit.event.id();
    while (true) {
      Worker.Submit existing = byId.putIfAbsent(id, submit);
      if (existing == null) {
        return null;
      }
      if (!existing.outcome.isDone() // live
          || nanoClock.getAsLong() - existing.finishedAtNanos < dedupWindowNanos) {
        return existing;
      }
      if (byId.replace(id, existing, submit)) {
        return null; // the first one is older than the window: this is a new event
      }
    }
  }

  public Worker.Submit find(String eventId) {
    return byId.get(eventId);
  }

  /** Removes an event that was refused after all. */
  void forget(Worker.Submit submit) {
    byId.remove(submit.event.id(), submit);
  }

  /** Forgets a finished event, so that its id may be accepted again at once. */
  public void forget(String eventId) {
    byId.computeIfPresent(eventId, (id, submit) -> submit.outcome.isDone() ? null : submit);
  }

  /** Called once per registered event when it ends, before its outcome is completed. */
  void finished(Worker.Submit submit) {
    finished.add(submit);
    if (finishedCount.incrementAndGet() > retain) {
      Worker.Submit oldest = finished.poll();
      if (oldest != null) {
        finishedCount.decrementAndGet();
        byId.remove(oldest.event.id(), oldest);
      }
    }
  }
}
