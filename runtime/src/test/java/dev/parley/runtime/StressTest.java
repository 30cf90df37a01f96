package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Many lanes, many events, injected failures: per-lane order kept, never two events of one lane at
 * once, exactly one outcome per event, nothing lost.
 */
class StressTest {
  private static final int LANES = 1_000;
  private static final int EVENTS_PER_LANE = 100;
  private static final int THREADS = 8;
  private static final long SEED = 20261125L;

  /** What the handler does with one event: decided up front from the fixed seed. */
  private enum Plan {
    COMPLETE_NOW,
    COMPLETE_LATER,
    THROW,
    FAILED_STAGE
  }

  @Test
  void hundredThousandEventsOnAThousandLanesKeepOrderAndGetExactlyOneOutcomeEach()
      throws Exception {
    Random random = new Random(SEED);
    Plan[][] plans = new Plan[LANES][EVENTS_PER_LANE];
    int[][] delaysMicros = new int[LANES][EVENTS_PER_LANE];
    for (int lane = 0; lane < LANES; lane++) {
      for (int seq = 0; seq < EVENTS_PER_LANE; seq++) {
        int roll = random.nextInt(1000);
        plans[lane][seq] =
            roll < 25
                ? Plan.THROW
                : roll < 50
                    ? Plan.FAILED_STAGE
                    : roll < 300 ? Plan.COMPLETE_NOW : Plan.COMPLETE_LATER;
        delaysMicros[lane][seq] = random.nextInt(2_001);
      }
    }

    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    AtomicIntegerArray nextExpected = new AtomicIntegerArray(LANES);
    AtomicIntegerArray running = new AtomicIntegerArray(LANES);
    AtomicInteger orderViolations = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    Handler handler =
        (event, lane) -> {
          int[] key = (int[]) event.payload();
          int laneIndex = key[0];
          int seq = key[1];
          if (running.incrementAndGet(laneIndex) != 1) {
            overlaps.incrementAndGet();
          }
          if (!nextExpected.compareAndSet(laneIndex, seq, seq + 1)) {
            orderViolations.incrementAndGet();
          }
          return switch (plans[laneIndex][seq]) {
            case THROW -> {
              running.decrementAndGet(laneIndex);
              throw new IllegalStateException("injected " + laneIndex + "/" + seq);
            }
            case FAILED_STAGE -> {
              running.decrementAndGet(laneIndex);
              yield CompletableFuture.failedFuture(new IllegalStateException("injected stage"));
            }
            case COMPLETE_NOW -> {
              running.decrementAndGet(laneIndex);
              yield CompletableFuture.completedFuture(Reply.of(seq));
            }
            case COMPLETE_LATER -> {
              CompletableFuture<Reply> later = new CompletableFuture<>();
              timer.schedule(
                  () -> {
                    running.decrementAndGet(laneIndex);
                    later.complete(Reply.of(seq));
                  },
                  delaysMicros[laneIndex][seq],
                  TimeUnit.MICROSECONDS);
              yield later;
            }
          };
        };

    AtomicReferenceArray<CompletionStage<Outcome>> outcomes =
        new AtomicReferenceArray<>(LANES * EVENTS_PER_LANE);
    try (Parley parley = Parley.builder().handler(handler).build()) {
      // Each lane belongs to one submitting thread, which interleaves its lanes.
      ParleyTestKit.submitFromOwningThreads(
          THREADS,
          LANES,
          EVENTS_PER_LANE,
          (lane, seq) ->
              outcomes.set(
                  lane * EVENTS_PER_LANE + seq,
                  parley.submit(Event.to("space-" + lane).payload(new int[] {lane, seq}).build())));

      int completed = 0;
      int failed = 0;
      for (int lane = 0; lane < LANES; lane++) {
        for (int seq = 0; seq < EVENTS_PER_LANE; seq++) {
          Outcome outcome = ParleyTestKit.await(outcomes.get(lane * EVENTS_PER_LANE + seq));
          switch (plans[lane][seq]) {
            case THROW, FAILED_STAGE -> {
              Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, outcome);
              assertTrue(f.error().message().startsWith("injected"), f.error().message());
              failed++;
            }
            default -> {
              Outcome.Completed c = assertInstanceOf(Outcome.Completed.class, outcome);
              assertEquals(seq, c.reply().value());
              completed++;
            }
          }
        }
      }

      assertEquals(0, orderViolations.get(), "events handled out of order");
      assertEquals(0, overlaps.get(), "two events of one lane overlapped");
      for (int lane = 0; lane < LANES; lane++) {
        assertEquals(EVENTS_PER_LANE, nextExpected.get(lane), "lane " + lane + " lost events");
      }
      Stats stats = parley.stats();
      assertEquals(LANES * EVENTS_PER_LANE, stats.totals().accepted());
      assertEquals(completed, stats.totals().completed());
      assertEquals(failed, stats.totals().failed());
      assertEquals(0, stats.totals().inFlight());
      assertEquals(0, stats.totals().pending());
    } finally {
      timer.shutdownNow();
    }
  }
}
