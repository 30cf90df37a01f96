package dev.parley.runtime.registry;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.internal.GroupLanes;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events that can be looked up by id: those accepted through {@code Parley.enqueue} and those whose
 * id the caller chose. Live ones stay until they end; the {@code parley.status.retain} newest
 * finished ones keep their whole status (event, outcome) for status queries. Every finished id is
 * kept, without its event or outcome, for duplicate detection for {@code parley.dedup.window}, up
 * to {@code parley.dedup.max-ids} ids: past the cap the oldest id goes early, counted and logged.
 * Events submitted with a generated id are not registered: their id cannot repeat, and the hot path
 * stays free of this map.
 */
public final class EventRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(EventRegistry.class);

  private static final CompletableFuture<Boolean> ACCEPTED =
      CompletableFuture.completedFuture(true);

  /** The reason of the outcome a duplicate gets when its first event's status is not kept. */
  public static final String DUPLICATE = "duplicate";

  /** One registered event: its outcome stage, and its final status once it has ended. */
  public static final class Entry {
    private volatile Event event; // replaced when a pending event changes (its priority)
    private final CompletableFuture<Outcome> outcome;
    private final CompletableFuture<Boolean> settled;
    private volatile EventStatus finished;
    private long finishedAtNanos; // written before finished, read after it

    /** The entry of an event that its lane has taken already (recovered from a journal, say). */
    public Entry(Event event, CompletableFuture<Outcome> outcome) {
      this(event, outcome, ACCEPTED);
    }

    private Entry(
        Event event, CompletableFuture<Outcome> outcome, CompletableFuture<Boolean> settled) {
      this.event = event;
      this.outcome = outcome;
      this.settled = settled;
    }

    /**
     * The entry of an event on its way to its lane, which may still refuse it: {@link #settled()}
     * completes when the lane has decided.
     */
    public static Entry awaitingLane(Event event, CompletableFuture<Outcome> outcome) {
      return new Entry(event, outcome, new CompletableFuture<>());
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

    /**
     * Completes true once its lane has accepted it, false when it was refused after all (then its
     * id is free again). A duplicate waits for it before it reads the first event's status: until
     * then the lane may not know the event yet. Complete (true) at once for an entry made with the
     * constructor; only an entry made {@link #awaitingLane} waits.
     */
    public CompletableFuture<Boolean> settled() {
      return settled;
    }

    /**
     * Marks an entry {@link #awaitingLane} accepted by its lane or refused; the lane calls it, off
     * its own message. No effect on an entry settled already.
     */
    public void settle(boolean accepted) {
      if (settled != ACCEPTED) {
        settled.complete(accepted);
      }
    }
  }

  /** A finished id kept for the dedup window, without its event or outcome. */
  private record Seen(String id, String spaceId, String laneKey, long finishedAtNanos) {
    /** What a duplicate of it gets: not run, and the first one's outcome is not known any more. */
    Entry duplicate() {
      Event.Builder builder = Event.to(spaceId).id(id);
      String parallelGroup = GroupLanes.groupOf(laneKey);
      if (!laneKey.equals(spaceId)) {
        builder.group(parallelGroup != null ? parallelGroup : laneKey);
      }
      Event stub = builder.build();
      if (parallelGroup != null) {
        stub = stub.inSpaceLaneOfGroup();
      }
      Outcome outcome = new Outcome.Rejected(id, DUPLICATE);
      Entry entry = new Entry(stub, CompletableFuture.completedFuture(outcome));
      entry.finishedAtNanos = finishedAtNanos;
      entry.finished =
          new EventStatus(
              id,
              spaceId,
              laneKey,
              EventStatus.State.FINISHED,
              -1,
              0,
              0,
              -1,
              -1,
              Optional.of(outcome),
              false,
              stub.priority());
      return entry;
    }
  }

  private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Entry> retained = new ConcurrentLinkedQueue<>();
  private final AtomicInteger retainedCount = new AtomicInteger();
  private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();
  // In finish order, under its own lock (ends of lanes may interleave by a little: an id then
  // stays a little longer). An id finished again, or forgotten, leaves a stale element here.
  private final ArrayDeque<Seen> seenByTime = new ArrayDeque<>();
  private final LongAdder earlyEvictions = new LongAdder();
  private final AtomicBoolean warned = new AtomicBoolean();
  private final int retain;
  private final long dedupWindowNanos;
  private final int maxIds;
  private final LongSupplier nanoClock;

  /**
   * @param retain finished events whose whole status is kept ({@code parley.status.retain})
   * @param dedupWindowNanos how long a finished id is a duplicate ({@code parley.dedup.window})
   * @param maxIds at most this many finished ids are kept for dedup ({@code parley.dedup.max-ids})
   */
  public EventRegistry(int retain, long dedupWindowNanos, int maxIds, LongSupplier nanoClock) {
    this.retain = retain;
    this.dedupWindowNanos = dedupWindowNanos;
    this.maxIds = maxIds;
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
        // Ids leave the status map only after they are in the dedup one: this look is complete.
        Seen first = seen.get(id);
        if (first == null || !withinWindow(first.finishedAtNanos)) {
          return null;
        }
        byId.remove(id, entry);
        entry.settle(false); // a duplicate that saw it for a moment looks again
        return first.duplicate();
      }
      if (existing.finished == null || withinWindow(existing.finishedAtNanos)) {
        return existing;
      }
      if (byId.replace(id, existing, entry)) {
        return null; // the first one is older than the window: this is a new event
      }
    }
  }

  private boolean withinWindow(long finishedAtNanos) {
    return nanoClock.getAsLong() - finishedAtNanos < dedupWindowNanos;
  }

  /** The live or retained event with this id; null for an id whose status is not kept. */
  public Entry find(String eventId) {
    return byId.get(eventId);
  }

  /** Removes the live entry of {@code event}, which was refused after all. */
  public void forget(Event event) {
    refused(event);
  }

  /**
   * Removes the live entry of {@code event}, which its lane refused after all, and returns it (null
   * when it was not registered): the caller settles it false once the refusal is answered.
   */
  public Entry refused(Event event) {
    Entry[] removed = new Entry[1];
    byId.computeIfPresent(
        event.id(),
        (id, entry) -> {
          if (entry.event != event) {
            return entry;
          }
          removed[0] = entry;
          return null;
        });
    return removed[0];
  }

  /** The live entry of {@code event}, which its lane has accepted; null when not registered. */
  public Entry accepted(Event event) {
    Entry entry = byId.get(event.id());
    return entry != null && entry.event == event ? entry : null;
  }

  /** The live entry of {@code before} holds {@code after} from now on: its lane changed it. */
  public void replaced(Event before, Event after) {
    Entry entry = byId.get(before.id());
    if (entry != null && entry.event == before) {
      entry.event = after;
    }
  }

  /** Forgets a finished event, so that its id may be accepted again at once. */
  public void forget(String eventId) {
    seen.remove(eventId); // its place in the time queue goes when its time comes
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
    remember(new Seen(event.id(), event.spaceId(), event.laneKey(), atNanos));
    retained.add(entry);
    if (retainedCount.incrementAndGet() > retain) {
      Entry oldest = retained.poll();
      if (oldest != null) {
        retainedCount.decrementAndGet();
        byId.remove(oldest.event.id(), oldest);
      }
    }
  }

  /**
   * Keeps a finished id for the window; drops the expired ones, and the oldest past the cap. The
   * queue is in finish order, so each call drops from its head only: O(1) amortised.
   */
  private void remember(Seen id) {
    seen.put(id.id(), id);
    int early = 0;
    synchronized (seenByTime) {
      seenByTime.addLast(id);
      Seen oldest;
      while ((oldest = seenByTime.peekFirst()) != null && !withinWindow(oldest.finishedAtNanos)) {
        seen.remove(seenByTime.removeFirst().id(), oldest);
      }
      while (seenByTime.size() > maxIds) {
        oldest = seenByTime.removeFirst();
        if (seen.remove(oldest.id(), oldest)) {
          early++;
        }
      }
    }
    if (early > 0) {
      earlyEvictions.add(early);
      if (warned.compareAndSet(false, true)) {
        LOG.warn(
            "dedup: more than parley.dedup.max-ids ({}) ids finished within parley.dedup.window"
                + " ({}): the oldest are forgotten early, and their ids could run again. Raise"
                + " parley.dedup.max-ids (a few hundred bytes each) or shorten the window; counted"
                + " in parley_dedup_evictions_total, logged once",
            maxIds,
            java.time.Duration.ofNanos(dedupWindowNanos));
      }
    }
  }

  /** Finished ids dropped by {@code parley.dedup.max-ids} while still inside the window. */
  public long earlyEvictions() {
    return earlyEvictions.sum();
  }
}
