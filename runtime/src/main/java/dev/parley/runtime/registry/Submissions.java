package dev.parley.runtime.registry;

import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.lane.Job;
import dev.parley.runtime.lane.OutcomeSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local edge of the lanes' answers: the futures of submitters in this JVM, by ticket. A lane's
 * messages carry only the ticket; its {@link OutcomeSink} effects complete the futures here.
 */
public final class Submissions implements OutcomeSink {
  private final AtomicLong tickets = new AtomicLong();
  private final ConcurrentHashMap<Long, CompletableFuture<Outcome>> outcomes =
      new ConcurrentHashMap<>(1 << 12);
  private final ConcurrentHashMap<Long, CompletableFuture<Receipt>> receipts =
      new ConcurrentHashMap<>();

  @Override
  public long open(CompletableFuture<Outcome> outcome, CompletableFuture<Receipt> receipt) {
    long ticket = tickets.incrementAndGet();
    outcomes.put(ticket, outcome);
    if (receipt != null) {
      receipts.put(ticket, receipt);
    }
    return ticket;
  }

  @Override
  public void receipt(Job job, Receipt receipt) {
    CompletableFuture<Receipt> waiting = receipts.remove(job.ticket());
    if (waiting != null) {
      waiting.complete(receipt);
    }
  }

  @Override
  public void outcome(Job job, Outcome outcome) {
    CompletableFuture<Outcome> waiting = outcomes.remove(job.ticket());
    if (waiting != null) {
      waiting.complete(outcome);
    }
  }
}
