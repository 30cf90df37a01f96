package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Receipts with position and ETA, status and outcome by id, dedup, and back-pressure. */
class ReceiptsAndBackPressureTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
  private static final long HANDLER_NANOS = Duration.ofMillis(100).toNanos();

  @AfterAll
  static void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void tenEventsBehindABusyHandlerGetPositionsInOrderAndEtasThatGrowLinearly() {
    AtomicLong clock = new AtomicLong();
    CompletableFuture<Reply> gate = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder("")
                .nanoClock(clock::get)
                .handler(
                    (event, lane) -> {
                      if ("gate".equals(event.payload())) {
                        return gate;
                      }
                      clock.addAndGet(HANDLER_NANOS); // every handler takes exactly 100 ms
                      return CompletableFuture.completedFuture(Reply.of(event.payload()));
                    }));
    await(parley.submit(Event.to("s").payload("warm-up").build()));
    Receipt gateReceipt = await(parley.enqueue(Event.to("s").id("gate").payload("gate").build()));

    List<Receipt> receipts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      receipts.add(await(parley.enqueue(Event.to("s").id("e" + i).payload(i).build())));
    }

    assertEquals(
        new Receipt("gate", "s", Receipt.Status.ACCEPTED, 0, 0, 0, null, 0, false), gateReceipt);
    for (int i = 0; i < 10; i++) {
      Receipt r = receipts.get(i);
      assertTrue(r.accepted());
      assertEquals(i, r.positionInLane());
      // ETA = (events ahead + the running one) x the lane's 100 ms moving average
      assertEquals((i + 1) * 100L, r.etaMs(), "eta of e" + i);
    }
    EventStatus fifth = status(parley, "e4");
    assertEquals(EventStatus.State.PENDING, fifth.state());
    assertEquals(4, fifth.positionInLane());
    assertEquals(500, fifth.etaMs());
    assertEquals(EventStatus.State.RUNNING, status(parley, "gate").state());

    gate.complete(Reply.of("opened"));
    Outcome last = await(parley.outcome("e9").orElseThrow());

    assertEquals(Reply.of(9), assertInstanceOf(Outcome.Completed.class, last).reply());
    EventStatus done = status(parley, "e9");
    assertEquals(EventStatus.State.FINISHED, done.state());
    assertEquals(last, done.outcome().orElseThrow());
    assertTrue(parley.status("never-seen").toCompletableFuture().join().isEmpty());
  }

  @Test
  void theEtaCountsOnlyWhatIsLeftOfTheRunningEvent() {
    AtomicLong clock = new AtomicLong();
    CompletableFuture<Reply> gate = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder("")
                .nanoClock(clock::get)
                .handler(
                    (event, lane) -> {
                      if ("gate".equals(event.payload())) {
                        return gate;
                      }
                      clock.addAndGet(HANDLER_NANOS); // the lane's average: 100 ms
                      return CompletableFuture.completedFuture(Reply.of(event.payload()));
                    }));
    await(parley.submit(Event.to("s").payload("warm-up").build()));
    await(parley.enqueue(Event.to("s").id("gate").payload("gate").build()));
    Receipt next = await(parley.enqueue(Event.to("s").id("next").payload("x").build()));
    assertEquals(100, next.etaMs(), "the running event has just started");

    clock.addAndGet(Duration.ofMillis(60).toNanos());
    assertEquals(40, status(parley, "next").etaMs(), "60 of its 100 ms are gone");
    Receipt after = await(parley.enqueue(Event.to("s").id("after").payload("x").build()));
    assertEquals(40 + 100, after.etaMs(), "what is left of it, then next");

    clock.addAndGet(Duration.ofSeconds(3).toNanos());
    assertEquals(0, status(parley, "next").etaMs(), "past its average: it may end any moment");
    assertEquals(100, status(parley, "after").etaMs());

    gate.complete(Reply.of("opened"));
    await(parley.outcome("after").orElseThrow());
  }

  private static EventStatus status(Parley parley, String id) {
    return await(parley.status(id)).orElseThrow();
  }

  @Test
  void theSameIdTwiceWithinTheDedupWindowRunsOnce() {
    AtomicInteger runs = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder("")
                .handler(
                    (event, lane) ->
                        CompletableFuture.completedFuture(Reply.of(runs.incrementAndGet()))));

    CompletionStage<Outcome> first = parley.submit(Event.to("s").id("order-17").build());
    Outcome firstOutcome = await(first);
    CompletionStage<Outcome> again = parley.submit(Event.to("s").id("order-17").build());
    Receipt receiptAgain = await(parley.enqueue(Event.to("s").id("order-17").build()));

    assertSame(first, again, "the second submit gets the first event's outcome");
    assertEquals(firstOutcome, await(again));
    assertTrue(receiptAgain.duplicate());
    assertTrue(receiptAgain.accepted());
    assertEquals(1, runs.get());
    assertEquals(1, parley.stats().totals().accepted());
  }

  @Test
  void anIdWithinTheWindowDoesNotRunAgainAfterMoreThanRetainNewerEventsFinished() {
    AtomicInteger runs = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder("parley.status.retain = 3")
                .handler(
                    (event, lane) ->
                        CompletableFuture.completedFuture(Reply.of(runs.incrementAndGet()))));
    await(parley.submit(Event.to("s").id("order-17").build()));
    for (int i = 0; i < 10; i++) {
      await(parley.submit(Event.to("s").id("later-" + i).build()));
    }

    Outcome again = await(parley.submit(Event.to("s").id("order-17").build()));
    Receipt receipt = await(parley.enqueue(Event.to("s").id("order-17").build()));

    assertEquals(new Outcome.Rejected("order-17", "duplicate"), again);
    assertTrue(receipt.duplicate());
    assertTrue(receipt.accepted());
    assertEquals(11, runs.get(), "order-17 ran once");
    assertTrue(await(parley.status("order-17")).isEmpty(), "its status is beyond retain");
  }

  @Test
  void aDuplicateOutsideTheDedupWindowRunsAgain() {
    AtomicLong clock = new AtomicLong();
    AtomicInteger runs = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder("parley.dedup.window = 1m")
                .nanoClock(clock::get)
                .handler(
                    (event, lane) ->
                        CompletableFuture.completedFuture(Reply.of(runs.incrementAndGet()))));

    await(parley.submit(Event.to("s").id("daily-report").build()));
    clock.addAndGet(Duration.ofMinutes(2).toNanos());
    Outcome second = await(parley.submit(Event.to("s").id("daily-report").build()));

    assertEquals(Reply.of(2), ((Outcome.Completed) second).reply());
  }

  @Test
  void tenTimesTheBoundsFromEightThreadsAreRefusedQueueFullAndEveryAcceptedEventRunsOnce()
      throws Exception {
    int maxQueue = 10;
    int maxPending = 100;
    AtomicInteger runs = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder(
                    "parley.worker.max-queue = "
                        + maxQueue
                        + "\nparley.admission.max-pending = "
                        + maxPending)
                .handler(
                    (event, lane) -> {
                      runs.incrementAndGet();
                      CompletableFuture<Reply> reply = new CompletableFuture<>();
                      timer.schedule(() -> reply.complete(Reply.empty()), 1, TimeUnit.MILLISECONDS);
                      return reply;
                    }));
    ExecutorService threads = Executors.newFixedThreadPool(8);
    AtomicInteger worstPending = new AtomicInteger();
    AtomicInteger worstQueue = new AtomicInteger();
    List<Future<List<CompletionStage<Receipt>>>> work = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      work.add(
          threads.submit(
              () -> {
                List<CompletionStage<Receipt>> receipts = new ArrayList<>();
                for (int i = 0; i < 10 * maxPending / 8 * 10; i++) {
                  String space = "lane-" + ((thread * 7 + i) % 20);
                  receipts.add(parley.enqueue(Event.to(space).build()));
                  Stats stats = parley.stats();
                  worstPending.accumulateAndGet(
                      (int) (stats.totals().pending() + stats.totals().inFlight()), Math::max);
                  stats
                      .queueLengths()
                      .values()
                      .forEach(length -> worstQueue.accumulateAndGet(length, Math::max));
                }
                return receipts;
              }));
    }
    List<Receipt> receipts = new ArrayList<>();
    for (Future<List<CompletionStage<Receipt>>> f : work) {
      f.get(1, TimeUnit.MINUTES).forEach(stage -> receipts.add(await(stage)));
    }
    threads.shutdown();

    List<CompletionStage<Outcome>> accepted = new ArrayList<>();
    int refused = 0;
    for (Receipt r : receipts) {
      if (r.accepted()) {
        accepted.add(parley.outcome(r.eventId()).orElseThrow());
      } else {
        assertEquals(Parley.QUEUE_FULL, r.reason());
        assertTrue(r.retryAfterMs() > 0);
        refused++;
      }
    }
    awaitAll(accepted).forEach(o -> assertInstanceOf(Outcome.Completed.class, o));

    assertTrue(refused > 0, "10x the bounds must be refused in part");
    assertEquals(accepted.size(), runs.get(), "every accepted event ran exactly once");
    // The bound is checked before each accept without a lock: submitters racing past the check
    // together may overshoot it by at most their number.
    assertTrue(
        worstPending.get() <= maxPending + 8, "pending stayed within the bound: " + worstPending);
    assertTrue(worstQueue.get() <= maxQueue, "no lane queued beyond its bound: " + worstQueue);
    Stats.Totals totals = parley.stats().totals();
    assertEquals(accepted.size(), totals.accepted());
    assertEquals(refused, totals.rejected());
    assertEquals(accepted.size(), totals.completed());
  }

  @Test
  void aFullLaneRefusesWhileOtherLanesAccept() {
    CompletableFuture<Reply> gate = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder("parley.worker.max-queue = 2")
                .handler(
                    (event, lane) ->
                        "busy".equals(lane.laneKey())
                            ? gate
                            : CompletableFuture.completedFuture(Reply.empty())));
    List<Receipt> receipts = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      receipts.add(await(parley.enqueue(Event.to("busy").build())));
    }
    Receipt other = await(parley.enqueue(Event.to("free").build()));

    // One runs, two wait, the fourth finds the queue full.
    assertTrue(receipts.get(0).accepted());
    assertTrue(receipts.get(2).accepted());
    assertFalse(receipts.get(3).accepted());
    assertEquals(Parley.QUEUE_FULL, receipts.get(3).reason());
    assertInstanceOf(
        Outcome.Rejected.class,
        await(
            parley
                .outcome(receipts.get(3).eventId())
                .orElse(
                    CompletableFuture.completedFuture(
                        new Outcome.Rejected(receipts.get(3).eventId(), Parley.QUEUE_FULL)))));
    assertTrue(other.accepted());
    gate.complete(Reply.empty());
  }
}
