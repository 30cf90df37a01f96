package dev.parley.runtime.registry;

import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.lane.Job;
import dev.parley.runtime.lane.OutcomeSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The local edge of the lanes' answers: the futures of submitters in this JVM, by ticket. A lane's
 * messages carry only the ticket; its {@link OutcomeSink} effects complete the futures here.
 *
 * <p>Tickets are consecutive, so the outcome futures sit in segments of {@value #SEGMENT_SIZE}
 * consecutive tickets, each dropped once all of its tickets are answered: a ticket costs one array
 * slot instead of a map entry and a boxed key, and the slots written next to each other are young,
 * so a million events in flight neither grow a map's table nor dirty cards all over an old one.
 */
public final class Submissions implements OutcomeSink {
  private static final int SEGMENT_BITS = 12;
  private static final int SEGMENT_SIZE = 1 << SEGMENT_BITS;
  private static final int SLOT_MASK = SEGMENT_SIZE - 1;
  private static final int RECENT = 64; // segments answered lately, by index modulo RECENT

  /** The outcome futures of {@value #SEGMENT_SIZE} consecutive tickets. */
  private static final class Segment {
    final long index;
    final AtomicReferenceArray<CompletableFuture<Outcome>> slots =
        new AtomicReferenceArray<>(SEGMENT_SIZE);
    final AtomicInteger unanswered = new AtomicInteger(SEGMENT_SIZE);

    Segment(long index) {
      this.index = index;
    }
  }

  private final AtomicLong tickets = new AtomicLong();
  private final ConcurrentHashMap<Long, Segment> segments = new ConcurrentHashMap<>();
  private volatile Segment opening = new Segment(-1); // the segment tickets were last opened in
  // Answers come roughly in ticket order, from many lanes at once: a look-up here saves boxing the
  // index for the map on nearly every answer.
  private final AtomicReferenceArray<Segment> answering = new AtomicReferenceArray<>(RECENT);
  private final ConcurrentHashMap<Long, CompletableFuture<Receipt>> receipts =
      new ConcurrentHashMap<>();

  @Override
  public long open(CompletableFuture<Outcome> outcome, CompletableFuture<Receipt> receipt) {
    long ticket = tickets.getAndIncrement();
    long index = ticket >>> SEGMENT_BITS;
    Segment segment = opening;
    if (segment.index != index) {
      // A segment stays in the map until every one of its tickets is answered, and this one is not.
      segment = segments.computeIfAbsent(index, Segment::new);
      opening = segment;
    }
    // The ticket reaches the lane in a message, and its answer comes from there: that orders this.
    segment.slots.lazySet(slot(ticket), outcome);
    if (receipt != null) {
      receipts.put(ticket, receipt);
    }
    return ticket;
  }

  @Override
  public void receipt(Job job, Receipt receipt) {
    receipt(job.ticket(), receipt);
  }

  /** Completes the receipt future of {@code ticket}, when it has one. */
  public void receipt(long ticket, Receipt receipt) {
    CompletableFuture<Receipt> waiting = receipts.remove(ticket);
    if (waiting != null) {
      waiting.complete(receipt);
    }
  }

  @Override
  public void outcome(Job job, Outcome outcome) {
    outcome(job.ticket(), outcome);
  }

  /** Completes the outcome future of {@code ticket}, once. */
  public void outcome(long ticket, Outcome outcome) {
    long index = ticket >>> SEGMENT_BITS;
    int recent = (int) (index % RECENT);
    Segment segment = answering.get(recent);
    if (segment == null || segment.index != index) {
      segment = segments.get(index);
      if (segment == null) {
        return;
      }
      answering.set(recent, segment);
    }
    CompletableFuture<Outcome> waiting = segment.slots.getAndSet(slot(ticket), null);
    if (waiting == null) {
      return; // answered already
    }
    if (segment.unanswered.decrementAndGet() == 0) {
      segments.remove(index, segment);
      answering.compareAndSet(recent, segment, null);
    }
    waiting.complete(outcome);
  }

  private static int slot(long ticket) {
    return (int) (ticket & SLOT_MASK);
  }
}
