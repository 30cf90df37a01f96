package dev.parley.runtime.registry;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import java.util.concurrent.CompletableFuture;
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

  /** One registered event: its outcome stage, and its final status once it has ended. */
  public static final class Entry {
    private final Event event;
    private final CompletableFuture<Outcome> outcome;
    private volatile EventStatus finished;
    private long finishedAtNanos; // written before finished, read after it

    public Entry(Event event, CompletableFuture<Outcome> outcome) {
      this.event = event;
      this.outcome = outcome;
    }

    public Event event() {
      return event;
    }

    public CompletableFuture<Outcome> outcome() {
      return outcome;
    }

    /** Its status once it has ended (its outcome stage may complete a moment later); else null. */
    public EventStatus finished() {
      return finished;
    }
  }

  private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Entry> finished = new ConcurrentLinkedQueue<>();
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
   * Registers {@code entry}, unless an event with its id is live or finished within the dedup
   * window: then returns that one, and {@code entry}'s event must not run.
   */
  public Entry register(Entry entry) {
    String id = entry.event.id();
    while (true) {
      Entry existing = byId.putIfAbsent(id, entry);
      if (existing == null) {
        return null;
      }
      if (existing.finished == null // live
          || nanoClock.getAsLong() - existing.finishedAtNanos < dedupWindowNanos) {
        return existing;
      }
      if (byId.replace(id, existing, entry)) {
        return null; // the first one is older than the window: this is a new event
      }
    }
  }

  public Entry find(String eventId) {
    return byId.get(eventId);
  }

  /** Removes the live entry of {@code event}, which was refused after all. */
  public void forget(Event event) {
    byId.computeIfPresent(event.id(), (id, entry) -> entry.event == event ? null : entry);
  }

  /** Forgets a finished event, so that its id may be accepted again at once. */
  public void forget(String eventId) {
    byId.computeIfPresent(eventId, (id, entry) -> entry.finished != null ? null : entry);
  }

  /** Called once per registered event when it ends, before its outcome stage completes. */
  public void finished(Event event, EventStatus status, long atNanos) {
    Entry entry = byId.get(event.id());
    if (entry == null || entry.event != event) {
      return;
    }
    entry.finishedAtNanos = atNanos;
    entry.finished = status;
    finished.add(entry);
    if (finishedCount.incrementAndGet() > retain) {
      Entry oldest = finished.poll();
      if (oldest != null) {
        finishedCount.decrementAndGet();
        byId.remove(oldest.event.id(), oldest);
      }
    }
  }
}
