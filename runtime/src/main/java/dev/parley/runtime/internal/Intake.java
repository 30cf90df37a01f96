package dev.parley.runtime.internal;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.journal.JournalSignals;
import dev.parley.runtime.lane.Job;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LaneRouter;
import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.registry.Submissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Where events enter the runtime: refused at once while shutting down or over {@code
 * parley.admission.max-pending}, put in the one lane in one-lane mode ({@code
 * parley.concurrency.enabled = off}) or, for a space of a parallel group, in the space's lane of
 * the group, deduplicated by id, timed when sampled, then routed to their lane with a ticket for
 * their answers. In cluster mode the lane may be on another node: it counts the event there, and
 * answers the ticket through this node's edge.
 */
public final class Intake {
  private static final int LATENCY_SAMPLE = 16;
  private static final ThreadLocal<int[]> SAMPLE_COUNT = ThreadLocal.withInitial(() -> new int[1]);

  private final Settings settings;
  private final Counters counters;
  private final EventRegistry registry;
  private final Submissions submissions;
  private final LaneRouter lanes;
  private final LongSupplier nanoClock;
  private final DoubleSupplier averageMs;
  private static final long JOURNAL_RETRY_AFTER_MS = 2000;

  private final JournalSignals journal;
  private final ClusterOutcomes cluster; // cluster mode: the lane's node answers through it
  private final boolean timeAll; // a user listener hears of every event: time each one
  private final boolean sampleLatency; // the monitor's percentiles: time one event in 16
  private final LongAdder submitting = new LongAdder();
  private volatile boolean accepting = true;

  public Intake(
      Settings settings,
      Counters counters,
      EventRegistry registry,
      Submissions submissions,
      LaneRouter lanes,
      LongSupplier nanoClock,
      DoubleSupplier averageMs,
      boolean timeAll,
      JournalSignals journal,
      ClusterOutcomes cluster) {
    this.settings = settings;
    this.counters = counters;
    this.registry = registry;
    this.submissions = submissions;
    this.lanes = lanes;
    this.nanoClock = nanoClock;
    this.averageMs = averageMs;
    this.timeAll = timeAll;
    this.journal = journal;
    this.cluster = cluster;
    this.sampleLatency = settings.monitor().enabled();
  }

  public boolean isAccepting() {
    return accepting;
  }

  /** Stops accepting, and returns once the submits in progress have delivered their events. */
  public void close() {
    accepting = false;
    while (submitting.sum() != 0) {
      Thread.onSpinWait(); // a submit that saw accepting == true is delivering: microseconds
    }
  }

  /**
   * Delivers {@code event} to its lane, or completes it refused.
   *
   * @param receipt completed with the receipt when not null
   * @param tracked registered by id, for status queries and dedup
   * @return the event accepted earlier with the same id, in which case {@code event} is dropped
   */
  public EventRegistry.Entry accept(
      Event event,
      CompletableFuture<Outcome> outcome,
      CompletableFuture<Receipt> receipt,
      boolean tracked) {
    submitting.increment(); // close() waits for submits in progress
    try {
      if (!settings.concurrency()) {
        event = event.withGroup(Settings.ONE_LANE); // one-lane mode: all in one lane, in order
      }
      if (!settings.groups().isEmpty() && settings.groups().containsKey(groupOf(event))) {
        event = event.inSpaceLaneOfGroup(); // a parallel group: each space its own lane in it
      }
      if (!accepting) {
        refuse(event, outcome, receipt, Parley.SHUTTING_DOWN, 0);
        return null;
      }
      if (!journal.available()) { // it would not take the event: refuse it now, not after a timeout
        refuse(event, outcome, receipt, Parley.JOURNAL_UNAVAILABLE, JOURNAL_RETRY_AFTER_MS);
        return null;
      }
      if (counters.outstanding.sum() >= settings.maxPending()) {
        refuse(
            event,
            outcome,
            receipt,
            Parley.QUEUE_FULL,
            Math.max(1, Math.round(averageMs.getAsDouble())));
        return null;
      }
      boolean timed = tracked || timeAll || (sampleLatency && sampled());
      long acceptedAt = timed ? nanoClock.getAsLong() : 0;
      if (tracked) {
        EventRegistry.Entry first =
            registry.register(EventRegistry.Entry.awaitingLane(event, outcome));
        if (first != null) {
          return first;
        }
      }
      long ticket = submissions.open(outcome, receipt);
      Job job;
      if (cluster == null) {
        counters.accepted.increment();
        counters.outstanding.increment();
        job = new Job(event, ticket, acceptedAt, tracked, timed);
      } else { // counted on the lane's node, which answers this node's edge
        job = new Job(event, ticket, acceptedAt, tracked, timed, cluster.edge());
      }
      lanes.deliver(event.laneKey(), new LaneCommand.Submit(job, receipt != null));
      if (cluster != null && receipt != null) {
        unlessAnswered(event, outcome, receipt, tracked);
      }
      return null;
    } finally {
      submitting.decrement();
    }
  }

  /**
   * Cluster mode: a lane on a node that was lost answers nothing until it runs on another, and what
   * was sent to it meanwhile is lost. After {@code parley.ask-timeout} without a receipt the
   * submitter hears {@value ClusterSettings#LANE_UNREACHABLE}; its id is free again on this node,
   * and the lane refuses it as a duplicate should the lost node have written it after all.
   */
  private void unlessAnswered(
      Event event,
      CompletableFuture<Outcome> outcome,
      CompletableFuture<Receipt> receipt,
      boolean tracked) {
    Receipt unreachable =
        Receipt.rejected(event, ClusterSettings.LANE_UNREACHABLE, JOURNAL_RETRY_AFTER_MS);
    receipt
        .completeOnTimeout(unreachable, settings.askTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenAccept(
            answered -> {
              if (answered != unreachable) {
                return;
              }
              counters.rejected.increment();
              EventRegistry.Entry entry = tracked ? registry.refused(event) : null;
              outcome.complete(new Outcome.Rejected(event.id(), ClusterSettings.LANE_UNREACHABLE));
              if (entry != null) {
                entry.settle(false);
              }
            });
  }

  private static String groupOf(Event event) {
    return event.group().orElse("");
  }

  /**
   * Whether the monitor times this event: one in {@value #LATENCY_SAMPLE} of each submitting
   * thread's events, so that every run of that many has one. Timing every event (three clock reads
   * and the recording) measurably cost throughput; the percentiles of a sample that size are as
   * good.
   */
  private static boolean sampled() {
    int[] count = SAMPLE_COUNT.get();
    return count[0]++ % LATENCY_SAMPLE == 0;
  }

  private void refuse(
      Event event,
      CompletableFuture<Outcome> outcome,
      CompletableFuture<Receipt> receipt,
      String reason,
      long retryAfterMs) {
    counters.rejected.increment();
    if (receipt != null) {
      receipt.complete(Receipt.rejected(event, reason, retryAfterMs));
    }
    outcome.complete(new Outcome.Rejected(event.id(), reason));
  }
}
