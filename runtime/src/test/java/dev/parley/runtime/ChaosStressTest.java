package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Chaos on many lanes at once: handlers that throw, fail for good, refuse retries, and hang past
 * their timeout, with retries and supervised restarts. Proves that per-lane order and one attempt
 * at a time hold through retries and restarts, and that every event gets exactly the one outcome
 * its plan calls for, with nothing left behind.
 */
class ChaosStressTest {
  private static final int LANES = 500;
  private static final int EVENTS_PER_LANE = 40;
  private static final int EVENTS = LANES * EVENTS_PER_LANE;
  private static final int THREADS = 4;
  private static final long SEED = 20261207L;
  private static final int MAX_ATTEMPTS = 3;
  private static final int MAX_DELAY_MICROS = 2_000;

  /** Short, so hung attempts time out quickly; only the hanging events run under it. */
  private static final Duration HANDLER_TIMEOUT = Duration.ofMillis(200);

  /**
   * Every other event carries this timeout of its own, so that a machine under load cannot turn a
   * 0-2 ms completion into a timeout: the outcomes stay deterministic.
   */
  private static final Duration GENEROUS_TIMEOUT = ParleyTestKit.TIMEOUT;

  private static final String CONFIG =
      "parley.worker.handler-timeout = "
          + HANDLER_TIMEOUT.toMillis()
          + "ms\n"
          + "parley.worker.restart.min-backoff = 10ms\n"
          + "parley.worker.restart.max-backoff = 50ms\n"
          + "parley.worker.unhealthy-after = 5\n";

  private static final RetryPolicy RETRIES =
      RetryPolicy.builder()
          .maxAttempts(MAX_ATTEMPTS)
          .initialBackoff(Duration.ofMillis(1))
          .maxBackoff(Duration.ofMillis(5))
          .build();

  /** What the handler does with one event, over its attempts. */
  private enum Kind {
    /** Succeeds on the first attempt. */
    COMPLETE(1),
    /** Fails once, then succeeds. */
    FAIL_ONCE(2),
    /** Fails twice, then succeeds on the last attempt. */
    FAIL_TWICE(3),
    /** Fails on every attempt: dead-lettered. */
    FAIL_ALWAYS(MAX_ATTEMPTS),
    /** Throws {@link NonRetryableException}: ends failed without a retry. */
    NON_RETRYABLE(1),
    /** Never completes its first attempt: it times out, the retry succeeds. */
    HANG(2);

    final int attempts;

    Kind(int attempts) {
      this.attempts = attempts;
    }
  }

  /** How an attempt ends when it ends by itself. */
  private enum Style {
    /** Throws (a failure) or returns a completed stage (a success). */
    THROW,
    /** Returns an already failed or completed stage. */
    STAGE,
    /** Completes its stage later, from another thread. */
    LATER
  }

  /** The plan of one event, fixed up front from the seed. */
  private record Plan(Kind kind, Style style, int delayMicros) {
    boolean fails(int attempt) {
      return switch (kind) {
        case COMPLETE, HANG -> false;
        case FAIL_ONCE -> attempt < 2;
        case FAIL_TWICE -> attempt < 3;
        case FAIL_ALWAYS, NON_RETRYABLE -> true;
      };
    }
  }

  /** The payload of an event: where it sits in the plan. */
  private record Key(int lane, int seq) {
    int index() {
      return lane * EVENTS_PER_LANE + seq;
    }
  }

  @Test
  void retriesTimeoutsAndRestartsKeepLaneOrderAndGiveEachEventItsPlannedOutcome() throws Exception {
    Plan[] plans = plans(new Random(SEED));
    Map<Kind, Integer> planned = new HashMap<>();
    for (Plan plan : plans) {
      planned.merge(plan.kind(), 1, Integer::sum);
    }
    assertTrue(planned.getOrDefault(Kind.HANG, 0) > 0, "the seed plans no hang: " + planned);

    ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    ChaosHandler handler = new ChaosHandler(plans, timer);
    AtomicReferenceArray<CompletionStage<Outcome>> outcomes = new AtomicReferenceArray<>(EVENTS);
    try (Parley parley =
        Parley.builder()
            .handler(handler)
            .retryPolicy(RETRIES)
            .config(ParleyTestKit.config(CONFIG))
            .build()) {
      ParleyTestKit.submitFromOwningThreads(
          THREADS,
          LANES,
          EVENTS_PER_LANE,
          (lane, seq) -> {
            Key key = new Key(lane, seq);
            outcomes.set(key.index(), parley.submit(event(key, plans[key.index()])));
          });

      Map<Kind, Integer> ended = new HashMap<>();
      for (int index = 0; index < EVENTS; index++) {
        Outcome outcome = ParleyTestKit.await(outcomes.get(index));
        Plan plan = plans[index];
        assertEquals(eventId(index), outcome.eventId());
        assertOutcomeMatchesPlan(index, plan, outcome);
        assertEquals(
            plan.kind().attempts,
            handler.attempts.get(index),
            "attempts of " + eventId(index) + " (" + plan + ")");
        ended.merge(plan.kind(), 1, Integer::sum);
      }
      assertEquals(planned, ended);

      assertTrue(handler.violations.isEmpty(), () -> "violations: " + first(handler.violations));
      for (int lane = 0; lane < LANES; lane++) {
        assertEquals(
            EVENTS_PER_LANE, handler.nextFirstAttempt.get(lane), "first attempts of lane " + lane);
        assertEquals(0, handler.running.get(lane), "attempts still running on lane " + lane);
      }
      assertHungAttemptsWereCancelled(plans, handler);

      int completed =
          EVENTS
              - planned.getOrDefault(Kind.FAIL_ALWAYS, 0)
              - planned.getOrDefault(Kind.NON_RETRYABLE, 0);
      int deadLettered = planned.getOrDefault(Kind.FAIL_ALWAYS, 0);
      int failed = planned.getOrDefault(Kind.NON_RETRYABLE, 0);
      int hangs = planned.getOrDefault(Kind.HANG, 0);

      Stats stats = parley.stats();
      Stats.Totals totals = stats.totals();
      assertEquals(EVENTS, totals.accepted());
      assertEquals(
          EVENTS,
          totals.completed()
              + totals.failed()
              + totals.timedOut()
              + totals.deadLettered()
              + totals.interrupted());
      assertEquals(completed, totals.completed());
      assertEquals(failed, totals.failed());
      assertEquals(deadLettered, totals.deadLettered());
      assertEquals(0, totals.timedOut(), "every timed-out attempt had a retry left");
      assertEquals(0, totals.interrupted());
      assertEquals(0, totals.rejected());
      assertEquals(0, totals.inFlight());
      assertEquals(0, totals.pending());
      assertTrue(totals.restarts() >= hangs, "restarts " + totals.restarts() + " < hangs " + hangs);
      assertLaneRestartsCoverTheirHangs(plans, stats);

      assertEquals(LANES, stats.queueLengths().size(), "live lanes");
      for (int lane = 0; lane < LANES; lane++) {
        assertEquals(0, stats.queueLengths().get(laneKey(lane)), "queue of lane " + lane);
      }
      assertDeadLettersAreTheFailingEvents(plans, parley, stats);
    } finally {
      timer.shutdownNow();
    }
  }

  private static Plan[] plans(Random random) {
    Plan[] plans = new Plan[EVENTS];
    for (int index = 0; index < EVENTS; index++) {
      int roll = random.nextInt(1000);
      Kind kind =
          roll < 10
              ? Kind.HANG
              : roll < 55
                  ? Kind.FAIL_ONCE
                  : roll < 65
                      ? Kind.FAIL_TWICE
                      : roll < 95
                          ? Kind.FAIL_ALWAYS
                          : roll < 110 ? Kind.NON_RETRYABLE : Kind.COMPLETE;
      int styleRoll = random.nextInt(10);
      Style style = styleRoll < 2 ? Style.THROW : styleRoll < 4 ? Style.STAGE : Style.LATER;
      plans[index] = new Plan(kind, style, random.nextInt(MAX_DELAY_MICROS + 1));
    }
    return plans;
  }

  private static Event event(Key key, Plan plan) {
    Event.Builder event = Event.to(laneKey(key.lane())).id(eventId(key.index())).payload(key);
    if (plan.kind() != Kind.HANG) {
      event.timeout(GENEROUS_TIMEOUT);
    }
    return event.build();
  }

  private static void assertOutcomeMatchesPlan(int index, Plan plan, Outcome outcome) {
    String what = eventId(index) + " " + plan + ": " + outcome;
    switch (plan.kind()) {
      case COMPLETE, FAIL_ONCE, FAIL_TWICE, HANG -> {
        Outcome.Completed c = assertInstanceOf(Outcome.Completed.class, outcome, what);
        assertEquals(index % EVENTS_PER_LANE, c.reply().value(), what);
      }
      case FAIL_ALWAYS -> {
        Outcome.DeadLettered d = assertInstanceOf(Outcome.DeadLettered.class, outcome, what);
        assertEquals(MAX_ATTEMPTS, d.attempts(), what);
        assertEquals(IllegalStateException.class.getName(), d.error().type(), what);
        assertEquals(injected(index, MAX_ATTEMPTS), d.error().message(), what);
      }
      case NON_RETRYABLE -> {
        Outcome.Failed f = assertInstanceOf(Outcome.Failed.class, outcome, what);
        assertEquals(NonRetryableException.class.getName(), f.error().type(), what);
      }
    }
  }

  private static void assertHungAttemptsWereCancelled(Plan[] plans, ChaosHandler handler) {
    for (int index = 0; index < EVENTS; index++) {
      LaneContext hung = handler.hungContexts.get(index);
      LaneContext last = handler.lastContexts.get(index);
      if (plans[index].kind() == Kind.HANG) {
        assertTrue(hung != null && hung.isCancelled(), "hung attempt of " + eventId(index));
        assertTrue(handler.hungStages.get(index).isCancelled(), "stage of " + eventId(index));
      }
      assertFalse(last.isCancelled(), "last attempt of " + eventId(index) + " was cancelled");
    }
  }

  /** A hang's timeout restarts its lane before its retry runs, so the lane's count includes it. */
  private static void assertLaneRestartsCoverTheirHangs(Plan[] plans, Stats stats) {
    for (int lane = 0; lane < LANES; lane++) {
      int hangs = 0;
      for (int seq = 0; seq < EVENTS_PER_LANE; seq++) {
        if (plans[new Key(lane, seq).index()].kind() == Kind.HANG) {
          hangs++;
        }
      }
      long restarts = stats.laneRestarts().getOrDefault(laneKey(lane), 0L);
      assertTrue(restarts >= hangs, "lane " + lane + ": restarts " + restarts + " < " + hangs);
    }
  }

  private static void assertDeadLettersAreTheFailingEvents(
      Plan[] plans, Parley parley, Stats stats) {
    Map<String, Integer> expected = new HashMap<>();
    for (int index = 0; index < EVENTS; index++) {
      if (plans[index].kind() == Kind.FAIL_ALWAYS) {
        expected.put(eventId(index), index);
      }
    }
    List<DeadLetter> letters = parley.deadLetters();
    assertEquals(expected.size(), letters.size());
    assertEquals(expected.size(), stats.deadLetters());
    assertEquals(0, stats.deadLettersDropped());
    for (DeadLetter letter : letters) {
      Integer index = expected.remove(letter.event().id());
      assertTrue(index != null, "unexpected or repeated dead letter " + letter);
      assertEquals(laneKey(index / EVENTS_PER_LANE), letter.laneKey());
      assertEquals(MAX_ATTEMPTS, letter.attempts());
      assertEquals(injected(index, MAX_ATTEMPTS), letter.error().message());
    }
  }

  private static String laneKey(int lane) {
    return "space-" + lane;
  }

  private static String eventId(int index) {
    return "e-" + index / EVENTS_PER_LANE + "-" + index % EVENTS_PER_LANE;
  }

  private static String injected(int index, int attempt) {
    return "injected " + eventId(index) + " attempt " + attempt;
  }

  private static List<String> first(ConcurrentLinkedQueue<String> violations) {
    return violations.stream().limit(10).toList();
  }

  /**
   * Runs each event's plan and checks, as attempts come in, that first attempts follow submission
   * order, that a retry is for the lane's current event, and that a lane never runs two attempts.
   */
  private static final class ChaosHandler implements Handler {
    private final Plan[] plans;
    private final ScheduledExecutorService timer;
    final AtomicIntegerArray nextFirstAttempt = new AtomicIntegerArray(LANES);
    final AtomicIntegerArray running = new AtomicIntegerArray(LANES);
    final AtomicIntegerArray attempts = new AtomicIntegerArray(EVENTS);
    final AtomicReferenceArray<LaneContext> hungContexts = new AtomicReferenceArray<>(EVENTS);
    final AtomicReferenceArray<CompletableFuture<Reply>> hungStages =
        new AtomicReferenceArray<>(EVENTS);
    final AtomicReferenceArray<LaneContext> lastContexts = new AtomicReferenceArray<>(EVENTS);
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();

    ChaosHandler(Plan[] plans, ScheduledExecutorService timer) {
      this.plans = plans;
      this.timer = timer;
    }

    @Override
    public CompletionStage<Reply> handle(Event event, LaneContext context) {
      Key key = (Key) event.payload();
      int lane = key.lane();
      int index = key.index();
      int attempt = context.attempt();
      lastContexts.set(index, context);
      if (running.incrementAndGet(lane) != 1) {
        violations.add(event.id() + " attempt " + attempt + " overlapped another of its lane");
      }
      if (attempts.incrementAndGet(index) != attempt) {
        violations.add(event.id() + " attempt " + attempt + " after " + (attempts.get(index) - 1));
      }
      if (attempt == 1) {
        if (!nextFirstAttempt.compareAndSet(lane, key.seq(), key.seq() + 1)) {
          violations.add(
              event.id() + " started before seq " + nextFirstAttempt.get(lane) + " of its lane");
        }
      } else if (nextFirstAttempt.get(lane) != key.seq() + 1) {
        violations.add(
            event.id()
                + " retried while seq "
                + (nextFirstAttempt.get(lane) - 1)
                + " was its lane's current event");
      }
      return attempt(plans[index], key, attempt, context);
    }

    private CompletionStage<Reply> attempt(Plan plan, Key key, int attempt, LaneContext context) {
      int lane = key.lane();
      if (plan.kind() == Kind.HANG && attempt == 1) {
        CompletableFuture<Reply> never = new CompletableFuture<>();
        never.whenComplete((reply, error) -> running.decrementAndGet(lane)); // on cancellation
        hungContexts.set(key.index(), context);
        hungStages.set(key.index(), never);
        return never;
      }
      if (plan.kind() == Kind.HANG) {
        // The retry of a hang answers at once: it runs under the short handler timeout.
        running.decrementAndGet(lane);
        return CompletableFuture.completedFuture(Reply.of(key.seq()));
      }
      RuntimeException error =
          plan.kind() == Kind.NON_RETRYABLE
              ? new NonRetryableException(injected(key.index(), attempt))
              : new IllegalStateException(injected(key.index(), attempt));
      boolean fails = plan.fails(attempt);
      switch (plan.style()) {
        case LATER -> {
          CompletableFuture<Reply> later = new CompletableFuture<>();
          timer.schedule(
              () -> {
                running.decrementAndGet(lane);
                if (fails) {
                  later.completeExceptionally(error);
                } else {
                  later.complete(Reply.of(key.seq()));
                }
              },
              plan.delayMicros(),
              TimeUnit.MICROSECONDS);
          return later;
        }
        case THROW -> {
          running.decrementAndGet(lane);
          if (fails) {
            throw error;
          }
          return CompletableFuture.completedFuture(Reply.of(key.seq()));
        }
        case STAGE -> {
          running.decrementAndGet(lane);
          return fails
              ? CompletableFuture.failedFuture(error)
              : CompletableFuture.completedFuture(Reply.of(key.seq()));
        }
      }
      throw new AssertionError(plan.style());
    }
  }
}
