package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.CancelReport;
import dev.parley.runtime.DeadLetter;
import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Priority;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of a lane, decided without actors: a real {@link LaneState} and {@link Session}, a
 * fake {@link LaneEnvironment} with a fixed clock and random source, and the {@link Decision}'s
 * events and effects read by kind and order.
 */
class LaneDeciderTest {
  static final long MS = 1_000_000;
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** The lane's surroundings, set by each test; read by the decider at each call. */
  static final class FakeEnvironment implements LaneEnvironment {
    Rules rules =
        new Rules(
            3,
            Duration.ofSeconds(1),
            3,
            RetryPolicy.none(),
            new Settings.Restart(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2),
            Duration.ofSeconds(10),
            false);
    DoubleTextPolicy policy = DoubleTextPolicy.ENQUEUE;
    boolean paused;
    boolean capped;
    Admission.State admission = new Admission.State(0, 0, 0, 0);
    double averageMs = 50;
    Instant wallTime = T0;
    double random = 0.5;

    @Override
    public Rules rules() {
      return rules;
    }

    @Override
    public DoubleTextPolicy policyOf(Event event) {
      return event.policy().orElse(policy);
    }

    @Override
    public boolean paused(String laneKey) {
      return paused;
    }

    @Override
    public boolean capped() {
      return capped;
    }

    @Override
    public Admission.State admission() {
      return admission;
    }

    @Override
    public double averageMs() {
      return averageMs;
    }

    @Override
    public Clock clock() {
      return Clock.fixed(wallTime, ZoneOffset.UTC);
    }

    @Override
    public DoubleSupplier random() {
      return () -> random;
    }
  }

  final FakeEnvironment env = new FakeEnvironment();
  final LaneState state = new LaneState();
  final Session session = new Session();
  LaneDecider decider; // made at the first command, so that a test may set the rules first
  long now;

  // ---- feeding commands

  Decision on(LaneCommand command) {
    if (decider == null) {
      decider = new LaneDecider("lane", env);
    }
    return decider.decide(state, session, command, now);
  }

  Job job(String id) {
    return new Job(Event.to("space").id(id).build(), 1, now, true, true);
  }

  Job job(String id, DoubleTextPolicy policy) {
    return new Job(Event.to("space").id(id).policy(policy).build(), 1, now, true, true);
  }

  Decision submit(String id) {
    return on(new LaneCommand.Submit(job(id), true));
  }

  Decision submit(Job job) {
    return on(new LaneCommand.Submit(job, true));
  }

  Decision completes() {
    return on(new LaneCommand.AttemptDone(session.run, Reply.of("ok"), null));
  }

  Decision fails(Throwable error) {
    return on(new LaneCommand.AttemptDone(session.run, null, error));
  }

  Decision goesAsync() {
    return on(new LaneCommand.AttemptWentAsync(session.run));
  }

  /** The lane runs {@code id}, whose handler returned a stage not complete yet. */
  void running(String id) {
    submit(id);
    goesAsync();
  }

  static <T> ActorRef<T> ref() {
    return TestInbox.<T>create().getRef();
  }

  // ---- reading decisions

  static List<String> events(Decision decision) {
    return decision.events().stream().map(LaneDeciderTest::kind).toList();
  }

  static List<String> effects(Decision decision) {
    List<String> kinds =
        new ArrayList<>(decision.effects().stream().map(LaneDeciderTest::kind).toList());
    if (decision.figures() != null) { // published after the effects
      kinds.add("Publish(" + decision.figures().health() + ")");
    }
    return kinds;
  }

  static <T extends Effect> List<T> all(Decision decision, Class<T> type) {
    return decision.effects().stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends Effect> T one(Decision decision, Class<T> type) {
    List<T> found = all(decision, type);
    assertEquals(1, found.size(), () -> "one " + type.getSimpleName() + " in " + effects(decision));
    return found.get(0);
  }

  static Object reply(Decision decision) {
    List<Object> replies =
        decision.effects().stream()
            .filter(effect -> effect instanceof Effect.Reply<?>)
            .map(effect -> (Object) ((Effect.Reply<?>) effect).message())
            .toList();
    assertEquals(1, replies.size(), () -> "one reply in " + effects(decision));
    return replies.get(0);
  }

  static List<String> pendingIds(LaneState state) {
    return state.pending().stream().map(Job::id).toList();
  }

  static String kind(LaneEvent event) {
    if (event instanceof LaneEvent.Enqueued e) {
      return "Enqueued(" + e.job().id() + ")";
    } else if (event instanceof LaneEvent.Started s) {
      return "Started("
          + s.eventId()
          + "#"
          + s.attempt()
          + (s.batch().isEmpty() ? "" : "+" + s.batch())
          + ")";
    } else if (event instanceof LaneEvent.Moved m) {
      return "Moved(" + m.eventId() + "," + m.index() + ")";
    } else if (event instanceof LaneEvent.Reordered r) {
      return "Reordered(" + r.eventIds() + ")";
    } else if (event instanceof LaneEvent.Reprioritized r) {
      return "Reprioritized(" + r.eventId() + "," + r.priority() + ")";
    } else if (event instanceof LaneEvent.Cancelled c) {
      return "Cancelled(" + c.eventIds() + "," + c.reason() + ")";
    } else if (event instanceof LaneEvent.InterruptRequested i) {
      return "InterruptRequested(" + i.reason() + (i.rollback() ? ",rollback" : "") + ")";
    } else if (event instanceof LaneEvent.RetryScheduled r) {
      return "RetryScheduled(#" + r.nextAttempt() + ")";
    } else if (event instanceof LaneEvent.RollbackStarted r) {
      return "RollbackStarted(" + r.eventId() + ")";
    } else if (event instanceof LaneEvent.Ended e) {
      return "Ended(" + e.eventId() + "," + e.outcome().getClass().getSimpleName() + ")";
    } else if (event instanceof LaneEvent.Redelivered r) {
      return "Redelivered(" + r.eventId() + "#" + r.attempt() + ")";
    }
    return "MarkedUnhealthy";
  }

  static String kind(Effect effect) {
    if (effect instanceof Effect.Accept a) {
      return "Accept(" + a.job().id() + ")";
    } else if (effect instanceof Effect.Refuse r) {
      return "Refuse(" + r.job().id() + "," + r.reason() + ")";
    } else if (effect instanceof Effect.Deliver d) {
      return "Deliver(" + d.job().id() + "," + d.outcome().getClass().getSimpleName() + ")";
    } else if (effect instanceof Effect.RequestPermit p) {
      return "RequestPermit(" + p.priority() + ")";
    } else if (effect instanceof Effect.RunAttempt r) {
      return "RunAttempt(" + r.attempt().id() + "#" + r.attempt().number() + ")";
    } else if (effect instanceof Effect.RunRollback r) {
      return "RunRollback(" + r.attempt().id() + ")";
    } else if (effect instanceof Effect.StartTimer t) {
      return "StartTimer(" + t.timer() + ")";
    } else if (effect instanceof Effect.CancelTimer t) {
      return "CancelTimer(" + t.timer() + ")";
    } else if (effect instanceof Effect.DeadLetterEvent d) {
      return "DeadLetter(" + d.letter().event().id() + ")";
    } else if (effect instanceof Effect.InFlight f) {
      return "InFlight(" + (f.delta() > 0 ? "+" : "") + f.delta() + ")";
    } else if (effect instanceof Enum<?> e) {
      return e.name().equals("INSTANCE") ? effect.getClass().getSimpleName() : e.name();
    }
    return effect.getClass().getSimpleName();
  }

  // ---- the rules

  @Nested
  class StartingAndCompleting {
    @Test
    void aSubmitToAnIdleLaneIsAcceptedAndStartsAtOnce() {
      Decision d = submit("a");

      assertEquals(List.of("Enqueued(a)", "Started(a#1)"), events(d));
      assertEquals(List.of("Accept(a)", "RunAttempt(a#1)", "Publish(BUSY)"), effects(d));
      assertEquals(1, one(d, Effect.RunAttempt.class).run());
    }

    @Test
    void aSubmitThatWantsNoReceiptGetsNone() {
      Decision d = on(new LaneCommand.Submit(job("a"), false));

      assertTrue(all(d, Effect.Accept.class).isEmpty());
    }

    @Test
    void aSyncCompletionRightAfterTheAttemptEndsTheEventAndTheLaneGoesIdle() {
      submit("a");
      now = 7 * MS;

      Decision d = completes();

      assertEquals(List.of("Ended(a,Completed)"), events(d));
      assertEquals(
          List.of("Deliver(a,Completed)", "StartTimer(IDLE)", "Publish(HEALTHY)"), effects(d));
      Effect.Deliver deliver = one(d, Effect.Deliver.class);
      assertEquals(new Outcome.Completed("a", Reply.of("ok")), deliver.outcome());
      assertEquals(1, deliver.attempts());
      assertEquals(0, deliver.startedAtNanos());
      assertEquals(7 * MS, deliver.finishedAtNanos());
      assertEquals(7 * MS, ((LaneEvent.Ended) d.events().get(0)).handledNanos());
      assertEquals(7.0, state.averageMs(), 1e-9);
    }

    @Test
    void anAsyncAttemptArmsItsTimeoutAndCountsInFlightUntilItEnds() {
      submit("a");

      Decision async = goesAsync();

      assertEquals(List.of("InFlight(+1)", "StartTimer(TIMEOUT)", "Publish(BUSY)"), effects(async));
      Effect.StartTimer timer = one(async, Effect.StartTimer.class);
      assertEquals(Duration.ofSeconds(1), timer.delay());
      assertEquals(new LaneCommand.AttemptTimedOut(1), timer.message());

      Decision done = completes();

      assertEquals(
          List.of(
              "CancelTimer(TIMEOUT)",
              "Deliver(a,Completed)",
              "InFlight(-1)",
              "StartTimer(IDLE)",
              "Publish(HEALTHY)"),
          effects(done));
    }

    @Test
    void anEventsOwnTimeoutArmsTheTimer() {
      Event event = Event.to("space").id("a").timeout(Duration.ofMillis(250)).build();
      on(new LaneCommand.Submit(new Job(event, 1, 0, true, true), false));

      Decision async = goesAsync();

      assertEquals(Duration.ofMillis(250), one(async, Effect.StartTimer.class).delay());
    }

    @Test
    void theNextEventStartsWhenTheRunningOneEnds() {
      submit("a");
      Decision second = submit("b");
      assertEquals(List.of("Enqueued(b)"), events(second), "b waits while a runs");

      Decision d = completes();

      assertEquals(List.of("Ended(a,Completed)", "Started(b#1)"), events(d));
      assertEquals(List.of("Deliver(a,Completed)", "RunAttempt(b#1)", "Publish(BUSY)"), effects(d));
      assertEquals(2, one(d, Effect.RunAttempt.class).run());
    }

    @Test
    void aCompletionExceptionIsUnwrappedToItsCause() {
      submit("a");

      Decision d = fails(new CompletionException(new IllegalStateException("inner")));

      assertEquals(
          new Outcome.Failed(
              "a", new Outcome.Error(IllegalStateException.class.getName(), "inner")),
          one(d, Effect.Deliver.class).outcome());
    }
  }

  @Nested
  class DoubleTextPolicies {
    static Stream<Arguments> whenBusy() {
      return Stream.of(
          Arguments.of(
              DoubleTextPolicy.ENQUEUE,
              List.of("Enqueued(c)"),
              List.of("Accept(c)", "Publish(BUSY)")),
          Arguments.of(DoubleTextPolicy.REJECT, List.of(), List.of("Refuse(c,lane-busy)")),
          Arguments.of(
              DoubleTextPolicy.LATEST,
              List.of("Cancelled([b],superseded)", "Enqueued(c)"),
              List.of("Deliver(b,Cancelled)", "Accept(c)", "Publish(BUSY)")),
          Arguments.of(
              DoubleTextPolicy.INTERRUPT,
              List.of(
                  "Cancelled([b],interrupted)", "InterruptRequested(interrupted)", "Enqueued(c)"),
              List.of("Deliver(b,Cancelled)", "CancelAttempt", "Accept(c)", "Publish(BUSY)")),
          Arguments.of(
              DoubleTextPolicy.ROLLBACK,
              List.of(
                  "Cancelled([b],interrupted)",
                  "InterruptRequested(interrupted,rollback)",
                  "Enqueued(c)"),
              List.of("Deliver(b,Cancelled)", "CancelAttempt", "Accept(c)", "Publish(BUSY)")),
          Arguments.of(
              DoubleTextPolicy.COALESCE,
              List.of("Enqueued(c)"),
              List.of("Accept(c)", "Publish(BUSY)")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("whenBusy")
    void aSubmitToABusyLaneFollowsItsPolicy(
        DoubleTextPolicy policy, List<String> events, List<String> effects) {
      running("a");
      submit("b");

      Decision d = submit(job("c", policy));

      assertEquals(events, events(d));
      assertEquals(effects, effects(d));
      assertEquals("a", state.running().id(), "the running event ends only when its handler stops");
    }

    @ParameterizedTest
    @EnumSource(DoubleTextPolicy.class)
    void aSubmitToAnIdleLaneStartsWhateverItsPolicy(DoubleTextPolicy policy) {
      Decision d = submit(job("a", policy));

      assertEquals(List.of("Enqueued(a)", "Started(a#1)"), events(d));
      assertEquals(List.of("Accept(a)", "RunAttempt(a#1)", "Publish(BUSY)"), effects(d));
    }

    @Test
    void aLaneWithPendingEventsIsBusyEvenWhenNothingRuns() {
      env.paused = true;
      submit("a");

      Decision d = submit(job("b", DoubleTextPolicy.REJECT));

      assertEquals(List.of("Refuse(b,lane-busy)"), effects(d));
    }

    @Test
    void theSpacesPolicyAppliesToEventsWithoutTheirOwn() {
      env.policy = DoubleTextPolicy.REJECT;
      submit("a");

      Decision d = submit("b");

      assertEquals(List.of("Refuse(b,lane-busy)"), effects(d));
    }

    @Test
    void aRejectedEventIsRefusedWithTheLaneAverageAsRetryAfter() {
      running("a");

      Effect.Refuse refuse = one(submit(job("b", DoubleTextPolicy.REJECT)), Effect.Refuse.class);

      assertEquals("lane-busy", refuse.reason());
      assertTrue(refuse.wantsReceipt());
      assertEquals(50, refuse.retryAfterMs(), "the runtime's average, before the lane has one");
    }

    @Test
    void anInterruptedEventEndsInterruptedAndTheNewOneStartsNext() {
      running("a");
      submit(job("b", DoubleTextPolicy.INTERRUPT));

      Decision d = fails(new CancellationException());

      assertEquals(List.of("Ended(a,Interrupted)", "Started(b#1)"), events(d));
      assertEquals(
          List.of(
              "CancelTimer(TIMEOUT)",
              "Deliver(a,Interrupted)",
              "InFlight(-1)",
              "RunAttempt(b#1)",
              "Publish(BUSY)"),
          effects(d));
      assertEquals(
          new Outcome.Interrupted("a", "interrupted"), one(d, Effect.Deliver.class).outcome());
    }

    @Test
    void anInterruptedHandlerThatCompletesAnywayEndsCompleted() {
      running("a");
      submit(job("b", DoubleTextPolicy.INTERRUPT));

      Decision d = completes();

      assertEquals(List.of("Ended(a,Completed)", "Started(b#1)"), events(d));
    }

    @Test
    void anInterruptWhileWaitingForARetryEndsTheEventAtOnce() {
      retrying();
      running("a");
      fails(new IllegalStateException("boom"));

      Decision d = submit(job("b", DoubleTextPolicy.INTERRUPT));

      assertEquals(
          List.of(
              "InterruptRequested(interrupted)",
              "Ended(a,Interrupted)",
              "Enqueued(b)",
              "Started(b#1)"),
          events(d));
      assertEquals(
          List.of(
              "CancelTimer(RETRY)",
              "Deliver(a,Interrupted)",
              "InFlight(-1)",
              "Accept(b)",
              "RunAttempt(b#1)",
              "Publish(BUSY)"),
          effects(d));
    }

    @Test
    void coalesceHandsTheNextEventEveryPendingOneAsABatch() {
      env.policy = DoubleTextPolicy.COALESCE;
      submit("a");
      submit("b");
      submit("c");

      Decision d = completes();

      assertEquals(List.of("Ended(a,Completed)", "Started(b#1+[c])"), events(d));
      Attempt batch = one(d, Effect.RunAttempt.class).attempt();
      assertEquals(List.of("b", "c"), batch.members().stream().map(Job::id).toList());
      assertEquals(List.of("b", "c"), batch.handled().batch().stream().map(Event::id).toList());

      Decision done = completes();

      assertEquals(
          List.of(
              new Outcome.Completed("b", Reply.of("ok")),
              new Outcome.Completed("c", Reply.of("ok"))),
          all(done, Effect.Deliver.class).stream().map(Effect.Deliver::outcome).toList());
    }

    @Test
    void latestMakesRoomInAFullQueue() {
      running("a");
      submit("b");
      submit("c");
      submit("d");

      Decision d = submit(job("e", DoubleTextPolicy.LATEST));

      assertEquals(List.of("Cancelled([b, c, d],superseded)", "Enqueued(e)"), events(d));
      assertEquals(List.of("e"), pendingIds(state));
    }
  }

  @Nested
  class Rollback {
    void interruptedWithRollback() {
      running("a");
      submit(job("b", DoubleTextPolicy.ROLLBACK));
    }

    @Test
    void theInterruptedEventIsRolledBackBeforeTheNextStarts() {
      interruptedWithRollback();

      Decision d = fails(new CancellationException());

      assertEquals(List.of("RollbackStarted(a)"), events(d));
      assertEquals(
          // A lane rolling back shows busy: it has work in hand.
          List.of("CancelTimer(TIMEOUT)", "InFlight(-1)", "RunRollback(a)", "Publish(BUSY)"),
          effects(d));
      assertEquals("a", state.rollback().id());
      assertEquals(List.of("b"), pendingIds(state));
    }

    @Test
    void aDoneRollbackEndsTheEventRolledBackAndTheNextStarts() {
      interruptedWithRollback();
      fails(new CancellationException());

      Decision d = on(new LaneCommand.RollbackDone(null));

      assertEquals(List.of("Ended(a,Interrupted)", "Started(b#1)"), events(d));
      assertEquals(
          List.of("Deliver(a,Interrupted)", "RunAttempt(b#1)", "Publish(BUSY)"), effects(d));
      assertEquals(
          new Outcome.Interrupted("a", "interrupted", true),
          one(d, Effect.Deliver.class).outcome());
      assertNull(state.rollback());
    }

    @Test
    void aFailedRollbackEndsTheEventNotRolledBackWithAWarning() {
      interruptedWithRollback();
      fails(new CancellationException());

      Decision d = on(new LaneCommand.RollbackDone(new IllegalStateException("undo failed")));

      assertEquals(
          List.of("Warn", "Deliver(a,Interrupted)", "RunAttempt(b#1)", "Publish(BUSY)"),
          effects(d));
      assertEquals(
          new Outcome.Interrupted("a", "interrupted", false),
          one(d, Effect.Deliver.class).outcome());
    }

    @Test
    void nothingStartsWhileTheRollbackRuns() {
      interruptedWithRollback();
      fails(new CancellationException());

      Decision d = on(LaneCommand.Nudge.INSTANCE);

      assertTrue(d.events().isEmpty());
      assertTrue(all(d, Effect.RunRollback.class).isEmpty(), "the rollback runs once");
      assertTrue(all(d, Effect.RunAttempt.class).isEmpty());
    }
  }

  @Nested
  class MaxQueueAndReceipts {
    @Test
    void aSubmitToAFullQueueIsRefusedWithTheLaneAverageAsRetryAfter() {
      submit("x");
      now = 30 * MS;
      completes(); // the lane's average is 30 ms now
      running("a");
      submit("b");
      submit("c");
      submit("d");

      Decision d = submit("e");

      assertTrue(d.events().isEmpty());
      Effect.Refuse refuse = one(d, Effect.Refuse.class);
      assertEquals("queue-full", refuse.reason());
      assertEquals(30, refuse.retryAfterMs());
      assertEquals(List.of("b", "c", "d"), pendingIds(state));
    }

    @Test
    void retryAfterIsAtLeastOneMillisecond() {
      env.averageMs = 0.2;
      env.rules = rules(1, 3, RetryPolicy.none());
      running("a");
      submit("b");

      assertEquals(1, one(submit("c"), Effect.Refuse.class).retryAfterMs());
    }

    @Test
    void aReceiptGivesThePositionAndAnEtaFromTheLaneAverage() {
      running("a");
      submit("b");

      Receipt receipt = one(submit("c"), Effect.Accept.class).receipt();

      assertEquals("c", receipt.eventId());
      assertEquals("lane", receipt.laneKey());
      assertTrue(receipt.accepted());
      assertEquals(1, receipt.positionInLane());
      assertEquals(0, receipt.positionInAdmission());
      assertEquals(2 * 50, receipt.etaMs(), "the running event and b are ahead");
    }

    @Test
    void theEtaCountsWhatIsLeftOfTheRunningAttemptAtLeastNothing() {
      running("a"); // started at 0; the average is 50 ms
      now = 20 * MS;

      assertEquals(30, one(submit("b"), Effect.Accept.class).receipt().etaMs());
      assertEquals(30 + 50, one(submit("c"), Effect.Accept.class).receipt().etaMs());

      now = 80 * MS; // past the average: it may end any moment
      assertEquals(2 * 50, one(submit("d"), Effect.Accept.class).receipt().etaMs());
    }

    @Test
    void anEventWaitingForARetryCountsAWholeAttemptAhead() {
      env.rules = rules(3, 3, RetryPolicy.builder().maxAttempts(2).build());
      running("a");
      now = 40 * MS;
      fails(new IllegalStateException("boom")); // a retry is due after a backoff
      now = 45 * MS;

      assertEquals(
          40,
          one(submit("b"), Effect.Accept.class).receipt().etaMs(),
          "the failed attempt's 40 ms are the lane's average; a whole attempt is still to run");
    }

    @Test
    void anEventAcceptedByAnIdleLaneIsNextWithNoWait() {
      Receipt receipt = one(submit("a"), Effect.Accept.class).receipt();

      assertEquals(0, receipt.positionInLane());
      assertEquals(0, receipt.etaMs());
    }

    @Test
    void underTheCapTheEtaAddsTheWaitForAPermit() {
      env.capped = true;
      env.admission = new Admission.State(4, 2, 2, 6);
      submit("a");

      Receipt receipt = one(submit("b"), Effect.Accept.class).receipt();

      assertEquals(1, receipt.positionInLane());
      assertEquals(6, receipt.positionInAdmission());
      assertEquals(1 * 50 + 6 / 2 * 50, receipt.etaMs());
    }

    @Test
    void aLaneHoldingItsPermitWaitsForNoOtherLane() {
      env.capped = true;
      env.admission = new Admission.State(4, 2, 2, 6);
      submit("a");
      on(LaneCommand.PermitGranted.INSTANCE);

      Receipt receipt = one(submit("b"), Effect.Accept.class).receipt();

      assertEquals(0, receipt.positionInAdmission());
      assertEquals(50, receipt.etaMs());
    }
  }

  @Nested
  class PauseAndPermits {
    @Test
    void aPausedLaneKeepsItsEventsUntilNudgedUnpaused() {
      env.paused = true;
      Decision d = submit("a");
      assertEquals(List.of("Enqueued(a)"), events(d));
      assertEquals(List.of("Accept(a)", "Publish(PAUSED)"), effects(d));

      env.paused = false;
      Decision nudged = on(LaneCommand.Nudge.INSTANCE);

      assertEquals(List.of("Started(a#1)"), events(nudged));
    }

    @Test
    void underTheCapTheLaneRequestsOnePermitAndStartsWhenGranted() {
      env.capped = true;
      Decision first =
          submit(
              new Job(Event.to("space").id("a").priority(Priority.P1).build(), 1, 0, true, true));
      assertEquals(List.of("Enqueued(a)"), events(first));
      assertEquals(List.of("Accept(a)", "RequestPermit(P1)", "Publish(HEALTHY)"), effects(first));

      Decision second = submit("b");
      assertTrue(all(second, Effect.RequestPermit.class).isEmpty(), "asked once");

      Decision granted = on(LaneCommand.PermitGranted.INSTANCE);
      assertEquals(List.of("Started(a#1)"), events(granted));
      assertEquals(List.of("RunAttempt(a#1)", "Publish(BUSY)"), effects(granted));
    }

    @Test
    void aSpaceLaneOfAParallelGroupAsksForAPermitEvenWithoutAGlobalCap() {
      decider = new LaneDecider("bot/space", env); // env.capped stays false
      Decision first = submit("a");
      assertEquals(List.of("Enqueued(a)"), events(first), "it waits for its group's permit");
      assertEquals(List.of("Accept(a)", "RequestPermit(P2)", "Publish(HEALTHY)"), effects(first));

      Decision granted = on(LaneCommand.PermitGranted.INSTANCE);
      assertEquals(List.of("Started(a#1)"), events(granted));
    }

    @Test
    void withoutAGlobalCapAnyOtherLaneStartsWithoutAsking() {
      decider = new LaneDecider("bot", env);
      assertEquals(List.of("Enqueued(a)", "Started(a#1)"), events(submit("a")));
    }

    @Test
    void thePermitIsReleasedAfterTheEventAndTheNextEventAsksAgain() {
      env.capped = true;
      submit("a");
      submit("b");
      on(LaneCommand.PermitGranted.INSTANCE);

      Decision d = completes();

      assertEquals(List.of("Ended(a,Completed)"), events(d));
      assertEquals(
          List.of("Deliver(a,Completed)", "ReleasePermit", "RequestPermit(P2)", "Publish(HEALTHY)"),
          effects(d));
    }

    @Test
    void aPausedLaneWithdrawsItsRequest() {
      env.capped = true;
      submit("a");
      env.paused = true;

      Decision d = on(LaneCommand.Nudge.INSTANCE);

      assertEquals(List.of("WithdrawPermit", "Publish(PAUSED)"), effects(d));
    }

    @Test
    void aPermitGrantedToAPausedLaneIsReleased() {
      env.capped = true;
      submit("a");
      env.paused = true;

      Decision d = on(LaneCommand.PermitGranted.INSTANCE);

      assertTrue(d.events().isEmpty());
      assertEquals(List.of("ReleasePermit", "Publish(PAUSED)"), effects(d));
    }

    @Test
    void aRequestIsWithdrawnWhenTheQueueEmpties() {
      env.capped = true;
      submit("a");

      Decision d = on(new LaneCommand.Cancel("a", ref()));

      assertEquals(
          List.of(
              "Deliver(a,Cancelled)",
              "Reply",
              "WithdrawPermit",
              "StartTimer(IDLE)",
              "Publish(HEALTHY)"),
          effects(d));
    }

    @Test
    void movingANewHeadAsksAgainWithItsPriority() {
      env.capped = true;
      submit("a");
      submit(new Job(Event.to("space").id("b").priority(Priority.P0).build(), 1, 0, true, true));

      Decision d = on(new LaneCommand.Move("b", 0, ref()));

      assertEquals(List.of("Moved(b,0)"), events(d));
      assertEquals(List.of("Reply", "RequestPermit(P0)", "Publish(HEALTHY)"), effects(d));
    }
  }

  LaneEnvironment.Rules rules(int maxQueue, int unhealthyAfter, RetryPolicy retryPolicy) {
    LaneEnvironment.Rules r = env.rules;
    return new LaneEnvironment.Rules(
        maxQueue,
        r.handlerTimeout(),
        unhealthyAfter,
        retryPolicy,
        r.restart(),
        r.idleTimeout(),
        r.journaled());
  }

  /** Three attempts, 100 ms then 200 ms apart, ±20 %; enough failures allowed in a row. */
  void retrying() {
    env.rules =
        rules(
            3,
            10,
            RetryPolicy.builder()
                .maxAttempts(3)
                .initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofSeconds(1))
                .multiplier(2)
                .jitter(0.2)
                .build());
    env.random = 0.75; // +10 %
  }

  @Nested
  class RetriesAndFailures {
    @Test
    void aRetryableFailureSchedulesTheNextAttemptAfterABackoffFromTheRandomSource() {
      retrying();
      submit("a");
      now = 5 * MS;

      Decision d = fails(new IllegalStateException("boom"));

      assertEquals(List.of("RetryScheduled(#2)"), events(d));
      assertEquals(List.of("InFlight(+1)", "StartTimer(RETRY)", "Publish(BUSY)"), effects(d));
      LaneEvent.RetryScheduled retry = (LaneEvent.RetryScheduled) d.events().get(0);
      assertEquals(Duration.ofMillis(110), retry.backoff());
      assertEquals(T0, retry.firstFailureAt());
      assertEquals(5 * MS, retry.handledNanos());
      Effect.StartTimer timer = one(d, Effect.StartTimer.class);
      assertEquals(Duration.ofMillis(110), timer.delay());
      assertEquals(new LaneCommand.RetryDue(1), timer.message());
    }

    @Test
    void theRetryDueStartsTheSecondAttempt() {
      retrying();
      submit("a");
      submit("b");
      fails(new IllegalStateException("boom"));

      Decision d = on(new LaneCommand.RetryDue(1));

      assertEquals(List.of("Started(a#2)"), events(d));
      assertEquals(List.of("RunAttempt(a#2)", "Publish(BUSY)"), effects(d));
      assertEquals(2, one(d, Effect.RunAttempt.class).run());
      assertEquals(List.of("b"), pendingIds(state), "the retried event keeps its place");
    }

    @Test
    void theBackoffGrowsFromAttemptToAttempt() {
      retrying();
      submit("a");
      fails(new IllegalStateException("boom"));
      on(new LaneCommand.RetryDue(1));

      Decision d = fails(new IllegalStateException("boom"));

      assertEquals(Duration.ofMillis(220), one(d, Effect.StartTimer.class).delay());
    }

    @Test
    void theLastFailureDeadLettersTheEventWithTimesFromTheClock() {
      retrying();
      submit("a");
      fails(new IllegalStateException("one"));
      on(new LaneCommand.RetryDue(1));
      env.wallTime = T0.plusSeconds(1);
      fails(new IllegalStateException("two"));
      on(new LaneCommand.RetryDue(2));
      env.wallTime = T0.plusSeconds(3);

      Decision d = fails(new IllegalStateException("three"));

      assertEquals(List.of("Ended(a,DeadLettered)"), events(d));
      assertEquals(
          List.of(
              "DeadLetter(a)",
              "Deliver(a,DeadLettered)",
              "InFlight(-1)",
              "StartTimer(IDLE)",
              "Publish(HEALTHY)"),
          effects(d));
      DeadLetter letter = one(d, Effect.DeadLetterEvent.class).letter();
      Outcome.Error error = new Outcome.Error(IllegalStateException.class.getName(), "three");
      assertEquals(new DeadLetter(letter.event(), "lane", error, 3, T0, T0.plusSeconds(3)), letter);
      assertEquals(new Outcome.DeadLettered("a", error, 3), one(d, Effect.Deliver.class).outcome());
    }

    @Test
    void aBatchThatFailsItsLastAttemptDeadLettersEachMember() {
      retrying();
      env.rules = rules(3, 10, RetryPolicy.builder().maxAttempts(2).build());
      env.policy = DoubleTextPolicy.COALESCE;
      submit("x");
      submit("a");
      submit("b");
      completes();
      fails(new IllegalStateException("boom"));
      on(new LaneCommand.RetryDue(session.run));

      Decision d = fails(new IllegalStateException("boom"));

      assertEquals(
          List.of("a", "b"),
          all(d, Effect.DeadLetterEvent.class).stream().map(l -> l.letter().event().id()).toList());
      assertEquals(
          List.of("Deliver(a,DeadLettered)", "Deliver(b,DeadLettered)"),
          all(d, Effect.Deliver.class).stream().map(LaneDeciderTest::kind).toList());
    }

    @Test
    void withoutARetryPolicyAFailureFailsTheEvent() {
      submit("a");

      Decision d = fails(new IllegalStateException("boom"));

      assertEquals(List.of("Ended(a,Failed)"), events(d));
      assertTrue(all(d, Effect.DeadLetterEvent.class).isEmpty());
      assertEquals(1, state.failedCount());
    }

    @Test
    void aFailureThatIsNotRetryableFailsAtOnceUnderARetryPolicy() {
      retrying();
      submit("a");

      Decision d = fails(new IllegalArgumentException("bad input"));

      assertEquals(List.of("Ended(a,Failed)"), events(d));
      assertTrue(all(d, Effect.DeadLetterEvent.class).isEmpty());
    }

    @Test
    void anEventsOwnRetryPolicyOverridesTheLanes() {
      RetryPolicy twice = RetryPolicy.builder().maxAttempts(2).jitter(0).build();
      Event event = Event.to("space").id("a").retryPolicy(twice).build();
      on(new LaneCommand.Submit(new Job(event, 1, 0, true, true), false));

      Decision d = fails(new IllegalStateException("boom"));

      assertEquals(List.of("RetryScheduled(#2)"), events(d));
      assertEquals(Duration.ofMillis(200), one(d, Effect.StartTimer.class).delay());
    }

    @Test
    void unhealthyAfterFailuresInARowRestartsTheHandlerContext() {
      submit("a");
      submit("b");
      submit("c");
      submit("d");
      assertTrue(all(fails(new IllegalStateException("1")), Effect.RestartHandler.class).isEmpty());
      assertTrue(all(fails(new IllegalStateException("2")), Effect.RestartHandler.class).isEmpty());

      Decision d = fails(new IllegalStateException("3"));

      assertEquals(List.of("Ended(c,Failed)", "MarkedUnhealthy"), events(d));
      assertEquals(
          List.of("Deliver(c,Failed)", "Warn", "RestartHandler", "Publish(RESTARTING)"),
          effects(d));
      assertEquals(0, state.failureStreak());
      assertEquals(List.of("d"), pendingIds(state), "nothing starts until the backoff is over");
    }

    @Test
    void aSuccessBreaksTheFailuresInARow() {
      submit("a");
      submit("b");
      submit("c");
      submit("d");
      fails(new IllegalStateException("1"));
      fails(new IllegalStateException("2"));
      completes();

      Decision d = fails(new IllegalStateException("3"));

      assertTrue(all(d, Effect.RestartHandler.class).isEmpty());
      assertEquals(List.of("Ended(d,Failed)"), events(d));
    }

    @Test
    void anErrorFromTheHandlerRestartsTheLaneAtOnce() {
      submit("a");
      submit("b");

      Decision d = fails(new AssertionError("crash"));

      assertEquals(List.of("Ended(a,Failed)", "MarkedUnhealthy"), events(d));
      assertEquals(
          List.of("Deliver(a,Failed)", "Warn", "RestartHandler", "Publish(RESTARTING)"),
          effects(d));
    }
  }

  static Duration backoffOf(Decision decision) {
    return all(decision, Effect.StartTimer.class).stream()
        .filter(timer -> timer.timer() == Effect.Timer.BACKOFF)
        .findFirst()
        .orElseThrow()
        .delay();
  }

  @Nested
  class TimeoutsAndRestarts {
    @Test
    void aTimedOutAttemptIsCancelledEndsTimedOutAndRestartsTheLane() {
      running("a");
      submit("b");
      now = 1000 * MS;

      Decision d = on(new LaneCommand.AttemptTimedOut(1));

      assertEquals(List.of("Ended(a,TimedOut)", "MarkedUnhealthy"), events(d));
      assertEquals(
          List.of(
              "CancelAttempt",
              "Warn",
              "Deliver(a,TimedOut)",
              "InFlight(-1)",
              "RestartHandler",
              "Publish(RESTARTING)"),
          effects(d));
      assertEquals(
          new Outcome.TimedOut("a", Duration.ofSeconds(1)), one(d, Effect.Deliver.class).outcome());
      assertEquals(List.of("b"), pendingIds(state));
    }

    @Test
    void nothingStartsUntilTheBackoffIsOver() {
      running("a");
      submit("b");
      on(new LaneCommand.AttemptTimedOut(1));

      Decision restarted = on(LaneCommand.Restarted.INSTANCE);
      assertTrue(restarted.events().isEmpty());
      // The restart count changed: published at once, with the lane still restarting.
      assertEquals(List.of("StartTimer(BACKOFF)", "Publish(RESTARTING)"), effects(restarted));
      assertTrue(on(LaneCommand.Nudge.INSTANCE).events().isEmpty());
      assertTrue(submit("c").events().stream().noneMatch(e -> e instanceof LaneEvent.Started));

      Decision over = on(LaneCommand.BackoffOver.INSTANCE);

      assertEquals(List.of("Started(b#1)"), events(over));
    }

    @Test
    void restartBackoffsGrowExponentiallyWithJitterUpToTheMaximum() {
      List<Duration> backoffs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        backoffs.add(backoffOf(on(LaneCommand.Restarted.INSTANCE)));
        on(LaneCommand.BackoffOver.INSTANCE);
      }

      // min 100 ms doubling, capped at 1 s, plus random-factor 0.2 × random 0.5 = +10 %
      assertEquals(
          List.of(110L, 220L, 440L, 880L, 1100L, 1100L),
          backoffs.stream().map(Duration::toMillis).toList());
      assertEquals(6, session.restarts);
    }

    @Test
    void aRestartDuringALiveAttemptArmsItsTimeoutAgainForTheTimeLeft() {
      running("a");
      now = 300 * MS;

      Decision d = on(LaneCommand.Restarted.INSTANCE);

      assertEquals(
          List.of("StartTimer(BACKOFF)", "StartTimer(TIMEOUT)", "Publish(RESTARTING)"), effects(d));
      Effect.StartTimer timeout = all(d, Effect.StartTimer.class).get(1);
      assertEquals(Duration.ofMillis(700), timeout.delay());
      assertEquals(new LaneCommand.AttemptTimedOut(1), timeout.message());
    }

    @Test
    void anEventAcceptedDuringTheBackoffIsKeptAndStartsAfterIt() {
      submit("a");
      fails(new AssertionError("crash"));
      on(LaneCommand.Restarted.INSTANCE);

      Decision accepted = submit("b");
      assertEquals(List.of("Enqueued(b)"), events(accepted));

      assertEquals(List.of("Started(b#1)"), events(on(LaneCommand.BackoffOver.INSTANCE)));
    }

    @Test
    void aCompletedEventResetsTheRestartBackoff() {
      on(LaneCommand.Restarted.INSTANCE);
      on(LaneCommand.BackoffOver.INSTANCE);
      submit("a");
      completes();

      Decision d = on(LaneCommand.Restarted.INSTANCE);

      assertEquals(Duration.ofMillis(110), backoffOf(d));
    }

    @Test
    void aRetryPendingAtTheRestartRunsAsSoonAsTheBackoffIsOver() {
      retrying();
      running("a");
      on(new LaneCommand.AttemptTimedOut(1)); // retried, and the lane restarts
      assertTrue(state.running().retryPending());
      on(LaneCommand.Restarted.INSTANCE);

      Decision over = on(LaneCommand.BackoffOver.INSTANCE);

      assertEquals(List.of("Started(a#2)"), events(over));
      assertEquals(List.of("RunAttempt(a#2)", "Publish(BUSY)"), effects(over));
    }
  }

  @Nested
  class LateResults {
    @Test
    void aLateResultOfAnEarlierAttemptIsIgnoredWithAWarning() {
      running("a");
      on(new LaneCommand.AttemptTimedOut(1));
      submit("b");

      Decision d = on(new LaneCommand.AttemptDone(1, Reply.of("late"), null));

      assertTrue(d.events().isEmpty());
      assertEquals(List.of("Warn"), effects(d));
    }

    @Test
    void theEchoOfOurOwnCancellationIsIgnoredSilently() {
      running("a");
      on(new LaneCommand.AttemptTimedOut(1));

      Decision d = on(new LaneCommand.AttemptDone(1, null, new CancellationException()));

      assertTrue(d.events().isEmpty());
      assertTrue(d.effects().isEmpty());
    }

    @Test
    void timersOfAnEarlierAttemptAreIgnored() {
      submit("a");
      completes();
      running("b");

      assertTrue(on(new LaneCommand.AttemptTimedOut(1)).effects().isEmpty());
      assertTrue(on(new LaneCommand.RetryDue(1)).effects().isEmpty());
      assertTrue(on(new LaneCommand.AttemptWentAsync(1)).effects().isEmpty());
      assertEquals("b", state.running().id());
    }
  }

  @Nested
  class OperatorControls {
    @Test
    void cancellingAPendingEventEndsItCancelledAndRepliesTrue() {
      running("a");
      submit("b");

      Decision d = on(new LaneCommand.Cancel("b", ref()));

      assertEquals(List.of("Cancelled([b],cancelled)"), events(d));
      assertEquals(List.of("Deliver(b,Cancelled)", "Reply", "Publish(BUSY)"), effects(d));
      Effect.Deliver deliver = one(d, Effect.Deliver.class);
      assertEquals(new Outcome.Cancelled("b", "cancelled"), deliver.outcome());
      assertEquals(0, deliver.attempts());
      assertEquals(-1, deliver.startedAtNanos());
      assertEquals(true, reply(d));
    }

    @ParameterizedTest
    @MethodSource("dev.parley.runtime.lane.LaneDeciderTest#notPending")
    void cancellingARunningOrUnknownEventRepliesFalse(String id) {
      running("a");

      Decision d = on(new LaneCommand.Cancel(id, ref()));

      assertTrue(d.events().isEmpty());
      assertEquals(false, reply(d));
    }

    @Test
    void movingAPendingEventRepliesTrueAndReordersTheQueue() {
      running("a");
      submit("b");
      submit("c");
      submit("d");

      Decision d = on(new LaneCommand.Move("d", 0, ref()));

      assertEquals(List.of("Moved(d,0)"), events(d));
      assertEquals(true, reply(d));
      assertEquals(List.of("d", "b", "c"), pendingIds(state));
    }

    @ParameterizedTest
    @MethodSource("dev.parley.runtime.lane.LaneDeciderTest#notPending")
    void movingARunningOrUnknownEventRepliesFalse(String id) {
      running("a");

      Decision d = on(new LaneCommand.Move(id, 0, ref()));

      assertTrue(d.events().isEmpty());
      assertEquals(false, reply(d));
    }

    @Test
    void reprioritizingAPendingEventChangesItsPriorityButNotItsPlace() {
      running("a");
      submit("b");
      submit("c");
      Job before = state.pending().get(1);

      Decision d = on(new LaneCommand.Reprioritize("c", Priority.P0, ref()));

      assertEquals(List.of("Reprioritized(c,P0)"), events(d));
      assertEquals(true, reply(d));
      assertEquals(List.of("b", "c"), pendingIds(state));
      assertEquals(Priority.P0, state.pending().get(1).event().priority());
      Effect.Replaced replaced = one(d, Effect.Replaced.class);
      assertEquals(before.event(), replaced.before());
      assertEquals(state.pending().get(1).event(), replaced.after());
    }

    @Test
    void cancellingManyCancelsThePendingOnesAskedForAndReportsTheOthers() {
      running("a");
      submit("b");
      submit("c");
      env.rules = rules(5, 3, RetryPolicy.none());
      submit("d");

      Decision d =
          on(new LaneCommand.CancelMany(Optional.of(List.of("d", "a", "x", "b", "d")), ref()));

      assertEquals(List.of("Cancelled([b, d],cancelled)"), events(d));
      assertEquals(List.of("c"), pendingIds(state));
      assertEquals(
          new CancelReport(
              List.of("d", "b"),
              List.of(
                  new CancelReport.NotCancelled("a", CancelReport.RUNNING),
                  new CancelReport.NotCancelled("x", CancelReport.FINISHED))),
          reply(d));
      assertEquals(2, all(d, Effect.Deliver.class).size());
    }

    @Test
    void cancellingManyWithoutIdsCancelsEveryPendingEventInLaneOrder() {
      running("a");
      submit("b");
      submit("c");

      Decision d = on(new LaneCommand.CancelMany(Optional.empty(), ref()));

      assertEquals(List.of("Cancelled([b, c],cancelled)"), events(d));
      assertEquals(new CancelReport(List.of("b", "c"), List.of()), reply(d));
      assertTrue(state.isBusy(), "the running event runs on");
    }

    @Test
    void reorderingRunsTheListedEventsFirstInThatOrder() {
      env.rules = rules(5, 3, RetryPolicy.none());
      running("a");
      submit("b");
      submit("c");
      submit("d");
      submit("e");

      Decision d = on(new LaneCommand.Reorder(List.of("e", "c"), ref()));

      assertEquals(List.of("Reordered([e, c])"), events(d));
      assertEquals(new LaneCommand.NotReordered(List.of()), reply(d));
      assertEquals(List.of("e", "c", "b", "d"), pendingIds(state));
    }

    @Test
    void reorderingWithAnEventNotPendingMovesNothingAndNamesIt() {
      running("a");
      submit("b");
      submit("c");

      Decision d = on(new LaneCommand.Reorder(List.of("c", "a", "x"), ref()));

      assertTrue(d.events().isEmpty());
      assertEquals(new LaneCommand.NotReordered(List.of("a", "x")), reply(d));
      assertEquals(List.of("b", "c"), pendingIds(state));
    }

    @Test
    void reprioritizingToTheSamePriorityChangesNothing() {
      running("a");
      submit("b");

      Decision d = on(new LaneCommand.Reprioritize("b", Priority.P2, ref()));

      assertTrue(d.events().isEmpty());
      assertEquals(true, reply(d));
    }

    @ParameterizedTest
    @MethodSource("dev.parley.runtime.lane.LaneDeciderTest#notPending")
    void reprioritizingARunningOrUnknownEventRepliesFalse(String id) {
      running("a");

      Decision d = on(new LaneCommand.Reprioritize(id, Priority.P0, ref()));

      assertTrue(d.events().isEmpty());
      assertEquals(false, reply(d));
    }

    @Test
    void reprioritizingTheNextEventOfALaneWaitingForAPermitChangesItsRequest() {
      env.capped = true;
      submit("a"); // waits for a permit, as a P2 lane
      submit("b");

      Decision head = on(new LaneCommand.Reprioritize("a", Priority.P0, ref()));
      Decision second = on(new LaneCommand.Reprioritize("b", Priority.P3, ref()));

      assertEquals(Priority.P0, one(head, Effect.RequestPermit.class).priority());
      assertEquals(
          Priority.P0,
          one(second, Effect.RequestPermit.class).priority(),
          "the lane's rank is its next event's priority");
    }

    @Test
    void anEmergencyStopCancelsThePendingInterruptsTheRunningAndRepliesCounts() {
      running("a");
      submit("b");
      submit("c");

      Decision d = on(new LaneCommand.EmergencyStop(ref()));

      assertEquals(
          List.of("InterruptRequested(emergency-stop)", "Cancelled([b, c],emergency-stop)"),
          events(d));
      assertEquals(
          List.of(
              "CancelAttempt",
              "Deliver(b,Cancelled)",
              "Deliver(c,Cancelled)",
              "Reply",
              "Publish(BUSY)"),
          effects(d));
      assertEquals(new LaneCommand.Stopped(2, 1), reply(d));

      Decision stopped = fails(new CancellationException());
      assertEquals(
          new Outcome.Interrupted("a", "emergency-stop"),
          one(stopped, Effect.Deliver.class).outcome());
    }

    @Test
    void anEmergencyStopOfAnIdleLaneStopsNothing() {
      assertEquals(new LaneCommand.Stopped(0, 0), reply(on(new LaneCommand.EmergencyStop(ref()))));
    }
  }

  static Stream<String> notPending() {
    return Stream.of("a", "unknown");
  }

  @Nested
  class DrainAndShutdown {
    @Test
    void anIdleLaneReportsDrainedAtOnce() {
      ActorRef<LaneCommand.Drained> replyTo = ref();

      Decision d = on(new LaneCommand.Drain(replyTo));

      assertEquals(replyTo, one(d, Effect.ReportDrained.class).to());
    }

    @Test
    void aBusyLaneReportsDrainedOnceIdle() {
      ActorRef<LaneCommand.Drained> replyTo = ref();
      submit("a");
      submit("b");
      assertTrue(all(on(new LaneCommand.Drain(replyTo)), Effect.ReportDrained.class).isEmpty());
      assertTrue(all(completes(), Effect.ReportDrained.class).isEmpty(), "b still runs");

      Decision d = completes();

      assertEquals(replyTo, one(d, Effect.ReportDrained.class).to());
    }

    @Test
    void anInterruptEndsTheRunningAndPendingEventsInterrupted() {
      running("a");
      submit("b");
      submit("c");

      Decision d = on(new LaneCommand.Interrupt("shutdown"));

      assertEquals(List.of("Ended(a,Interrupted)", "Cancelled([b, c],shutdown)"), events(d));
      assertEquals(
          List.of(
              "CancelAttempt",
              "CancelTimer(TIMEOUT)",
              "CancelTimer(RETRY)",
              "Deliver(a,Interrupted)",
              "InFlight(-1)",
              "Deliver(b,Interrupted)",
              "Deliver(c,Interrupted)",
              "StartTimer(IDLE)",
              "Publish(HEALTHY)"),
          effects(d));
      assertEquals(
          List.of(
              new Outcome.Interrupted("a", "shutdown"),
              new Outcome.Interrupted("b", "shutdown"),
              new Outcome.Interrupted("c", "shutdown")),
          all(d, Effect.Deliver.class).stream().map(Effect.Deliver::outcome).toList());
      assertTrue(state.isIdle());
    }

    @Test
    void anInterruptSettlesAPendingRollbackAsNotRolledBack() {
      running("a");
      submit(job("b", DoubleTextPolicy.ROLLBACK));
      fails(new CancellationException()); // the rollback of a runs

      Decision d = on(new LaneCommand.Interrupt("shutdown"));

      assertEquals(List.of("Cancelled([b],shutdown)", "Ended(a,Interrupted)"), events(d));
      assertEquals(
          List.of(
              new Outcome.Interrupted("b", "shutdown"),
              new Outcome.Interrupted("a", "interrupted", false)),
          all(d, Effect.Deliver.class).stream().map(Effect.Deliver::outcome).toList());
      assertTrue(state.isIdle());
      assertTrue(on(new LaneCommand.RollbackDone(null)).events().isEmpty(), "its end is ignored");
    }

    @Test
    void anInterruptGivesBackThePermit() {
      env.capped = true;
      submit("a");
      on(LaneCommand.PermitGranted.INSTANCE);
      submit("b");

      Decision d = on(new LaneCommand.Interrupt("shutdown"));

      assertEquals(1, all(d, Effect.ReleasePermit.class).size());
      assertTrue(all(d, Effect.RequestPermit.class).isEmpty());
      assertFalse(session.holdsPermit);
    }
  }

  @Nested
  class IdleAndPassivation {
    @Test
    void anIdleCheckBeforeTheTimeoutWaitsForTheRemainder() {
      submit("a");
      now = 1000 * MS;
      completes();
      now = 4000 * MS;

      Decision d = on(LaneCommand.IdleCheck.INSTANCE);

      Effect.StartTimer timer = one(d, Effect.StartTimer.class);
      assertEquals(Effect.Timer.IDLE, timer.timer());
      assertEquals(Duration.ofSeconds(7), timer.delay());
      assertTrue(all(d, Effect.Passivate.class).isEmpty());
    }

    @Test
    void aLaneIdleForItsTimeoutPassivates() {
      submit("a");
      now = 1000 * MS;
      completes();
      now = 11_000 * MS;

      Decision d = on(LaneCommand.IdleCheck.INSTANCE);

      assertEquals(List.of("Passivate", "StartTimer(IDLE)"), effects(d));
    }

    @Test
    void aBusyLaneDoesNotPassivate() {
      submit("a");
      now = 60_000 * MS;

      Decision d = on(LaneCommand.IdleCheck.INSTANCE);

      assertTrue(d.effects().isEmpty());
    }

    @Test
    void aDrainingLaneDoesNotPassivate() {
      submit("a");
      on(new LaneCommand.Drain(ref()));
      now = 60_000 * MS;

      Decision d = on(LaneCommand.IdleCheck.INSTANCE);

      assertTrue(all(d, Effect.Passivate.class).isEmpty());
    }

    static Stream<Arguments> commands() {
      return Stream.of(
          Arguments.of(
              "Submit",
              (Object)
                  new LaneCommand.Submit(
                      new Job(Event.to("s").id("z").build(), 1, 0, false, false), false),
              1),
          Arguments.of("GetStatus", new LaneCommand.GetStatus("z", ref()), 1),
          Arguments.of("GetLaneView", new LaneCommand.GetLaneView(ref()), 1),
          Arguments.of("Cancel", new LaneCommand.Cancel("z", ref()), 1),
          Arguments.of("Move", new LaneCommand.Move("z", 0, ref()), 1),
          Arguments.of("Nudge", LaneCommand.Nudge.INSTANCE, 1),
          Arguments.of("EmergencyStop", new LaneCommand.EmergencyStop(ref()), 1),
          Arguments.of("Drain", new LaneCommand.Drain(ref()), 1),
          Arguments.of("Interrupt", new LaneCommand.Interrupt("shutdown"), 0),
          Arguments.of("AttemptWentAsync", new LaneCommand.AttemptWentAsync(0), 0),
          Arguments.of("AttemptDone", new LaneCommand.AttemptDone(0, Reply.empty(), null), 0),
          Arguments.of("AttemptTimedOut", new LaneCommand.AttemptTimedOut(0), 0),
          Arguments.of("RetryDue", new LaneCommand.RetryDue(0), 0),
          Arguments.of("PermitGranted", LaneCommand.PermitGranted.INSTANCE, 0),
          Arguments.of("RollbackDone", new LaneCommand.RollbackDone(null), 0),
          Arguments.of("IdleCheck", LaneCommand.IdleCheck.INSTANCE, 0),
          Arguments.of("Restarted", LaneCommand.Restarted.INSTANCE, 0),
          Arguments.of("BackoffOver", LaneCommand.BackoffOver.INSTANCE, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void onlyRoutedCommandsCountForThePassivationHandshake(
        String name, LaneCommand command, int counted) {
      on(command);

      assertEquals(counted, session.received);
    }
  }

  @Nested
  class HealthAndPublish {
    LaneFigures published(Decision d) {
      assertNotNull(d.figures(), "published");
      return d.figures();
    }

    @Test
    void aRunningLaneIsBusyAndPublishesWhatItRuns() {
      LaneFigures figures = published(submit("a"));

      assertEquals(WorkerHealth.BUSY, figures.health());
      assertEquals("a", figures.runningId());
      assertEquals(0, figures.pending());
    }

    @Test
    void aLiveAttemptPastItsDeadlineIsUnhealthy() {
      running("a");
      now = 1000 * MS;
      assertTrue(on(LaneCommand.Nudge.INSTANCE).figures() == null, "at the deadline");
      now = 1000 * MS + 1;

      LaneFigures figures = published(on(LaneCommand.Nudge.INSTANCE));

      assertEquals(WorkerHealth.UNHEALTHY, figures.health());
      assertEquals(1000 * MS, figures.deadlineNanos());
    }

    @Test
    void aRestartingLaneIsRestarting() {
      submit("a");

      assertEquals(WorkerHealth.RESTARTING, published(fails(new AssertionError("crash"))).health());
    }

    @Test
    void aPausedIdleLaneIsPausedAndAnIdleOneHealthy() {
      on(LaneCommand.Nudge.INSTANCE);
      env.paused = true;

      assertEquals(WorkerHealth.PAUSED, published(on(LaneCommand.Nudge.INSTANCE)).health());
      env.paused = false;
      assertEquals(WorkerHealth.HEALTHY, published(on(LaneCommand.Nudge.INSTANCE)).health());
    }

    @Test
    void theFiguresCarryTheCountersAndTheAverage() {
      submit("a");
      submit("b");
      now = 10 * MS;
      completes();
      now = 20 * MS;

      LaneFigures figures = published(fails(new IllegalStateException("boom")));

      assertEquals(new LaneFigures(0, WorkerHealth.HEALTHY, null, 0, 1, 1, 0, 10.0), figures);
    }

    @Test
    void nothingIsPublishedWhenNothingChanged() {
      running("a");

      assertTrue(on(new LaneCommand.GetStatus("a", ref())).figures() == null);
      assertTrue(on(LaneCommand.Nudge.INSTANCE).figures() == null);
    }

    @Test
    void aChangedQueueIsPublished() {
      running("a");

      assertEquals(1, published(submit("b")).pending());
    }
  }

  @Nested
  class Queries {
    @SuppressWarnings("unchecked")
    Optional<EventStatus> status(String id) {
      return (Optional<EventStatus>) reply(on(new LaneCommand.GetStatus(id, ref())));
    }

    @Test
    void aPendingEventsStatusHasItsPositionAndEta() {
      running("a");
      submit("b");
      now = 3 * MS;

      EventStatus status = status("b").orElseThrow();

      assertEquals(EventStatus.State.PENDING, status.state());
      assertEquals(0, status.positionInLane());
      assertEquals(50 - 3, status.etaMs(), "a has run 3 of its expected 50 ms");
      assertEquals(3, status.queuedMs());
      assertEquals("lane", status.laneKey());
    }

    @Test
    void theRunningEventsStatusHasItsAttemptAndTimes() {
      submit("x"); // accepted at 0
      now = 4 * MS;
      submit("a");
      now = 6 * MS;
      completes(); // a starts at 6 ms
      now = 10 * MS;

      EventStatus status = status("a").orElseThrow();

      assertEquals(EventStatus.State.RUNNING, status.state());
      assertEquals(1, status.attempts());
      assertEquals(2, status.queuedMs());
      assertEquals(4, status.handledMs());
    }

    @Test
    void anUnknownEventHasNoStatus() {
      running("a");

      assertEquals(Optional.empty(), status("unknown"));
    }

    @Test
    void theLaneViewShowsHealthRunningPendingAndCounters() {
      submit("x");
      completes();
      running("a");
      submit("b");
      submit("c");

      LaneView view = (LaneView) reply(on(new LaneCommand.GetLaneView(ref())));

      assertEquals("lane", view.laneKey());
      assertTrue(view.live());
      assertEquals(WorkerHealth.BUSY, view.health());
      assertFalse(view.paused());
      assertEquals("a", view.running().orElseThrow().eventId());
      assertEquals(List.of("b", "c"), view.pending().stream().map(EventStatus::eventId).toList());
      assertEquals(
          List.of(0, 1), view.pending().stream().map(EventStatus::positionInLane).toList());
      assertEquals(1, view.completed());
      assertEquals(0, view.failed());
      assertEquals(0, view.restarts());
    }
  }

  /**
   * Edges of restarts and idleness: a retry due in a backoff, the idle clock, the restart count.
   */
  @Nested
  class RestartAndIdleEdges {
    @Test
    void aRetryWhoseTimerFiresDuringTheRestartBackoffWaitsForTheBackoff() {
      retrying();
      running("a");
      Decision timedOut = on(new LaneCommand.AttemptTimedOut(1)); // retried, and the lane restarts
      assertEquals(
          List.of("StartTimer(RETRY)", "RestartHandler"),
          effects(timedOut).stream()
              .filter(kind -> kind.equals("StartTimer(RETRY)") || kind.equals("RestartHandler"))
              .toList());
      on(LaneCommand.Restarted.INSTANCE);

      Decision due = on(new LaneCommand.RetryDue(1));

      assertEquals(List.of(), events(due), "nothing starts until BackoffOver");
    }

    @Test
    void aLaneIdleOnlySinceAnInterruptedEventWaitsItsWholeIdleTimeout() {
      submit("a");
      completes(); // idle since 0: the idle check is due at 10 s
      now = 9_000 * MS;
      running("b");
      now = 9_500 * MS;
      on(new LaneCommand.EmergencyStop(ref()));
      fails(new CancellationException()); // b ends Interrupted: idle again since 9.5 s
      now = 10_000 * MS;

      Decision d = on(LaneCommand.IdleCheck.INSTANCE);

      assertEquals(List.of("StartTimer(IDLE)"), effects(d), "idle for 0.5 s of its 10 s");
      assertEquals(Duration.ofMillis(9_500), one(d, Effect.StartTimer.class).delay());
    }

    @Test
    void aRestartIsPublishedWithTheRestartCountTheLaneViewShows() {
      submit("a");
      fails(new AssertionError("crash"));

      Decision d = on(LaneCommand.Restarted.INSTANCE);

      LaneView view = (LaneView) reply(on(new LaneCommand.GetLaneView(ref())));
      assertEquals(1, view.restarts());
      assertEquals(1, d.figures().restarts());
    }
  }

  @Nested
  class RecoveryFromTheJournal {
    /** The state a journal replays: {@code a} ran (attempt 1) when the runtime stopped. */
    void recoveredRunning(String id, String... pending) {
      state.apply(new LaneEvent.Enqueued(job(id)));
      state.apply(new LaneEvent.Started(id, 1, List.of(), now));
      for (String other : pending) {
        state.apply(new LaneEvent.Enqueued(job(other)));
      }
    }

    @Test
    void theEventRunningAtTheStopRunsAgainAsItsNextAttemptMarkedRedelivered() {
      recoveredRunning("a", "b");

      Decision d = on(new LaneCommand.Recovered("a"));

      assertEquals(List.of("Redelivered(a#2)", "Started(a#2)"), events(d));
      assertEquals(List.of("InFlight(+1)", "RunAttempt(a#2)", "Publish(BUSY)"), effects(d));
      Attempt attempt = one(d, Effect.RunAttempt.class).attempt();
      assertTrue(attempt.redelivered());
      assertEquals(List.of("b"), pendingIds(state), "b waits behind it, in order");

      Decision done = completes();
      assertTrue(one(done, Effect.Deliver.class).redelivered());
      assertEquals(List.of("Ended(a,Completed)", "Started(b#1)"), events(done));
      assertFalse(state.running().redelivered(), "b is a first delivery");
    }

    @Test
    void underTheCapTheRedeliveryWaitsForAPermit() {
      env.capped = true;
      recoveredRunning("a");

      Decision d = on(new LaneCommand.Recovered("a"));

      assertEquals(List.of("Redelivered(a#2)"), events(d));
      assertEquals(List.of("RequestPermit(P2)", "Publish(BUSY)"), effects(d));
      Decision granted = on(LaneCommand.PermitGranted.INSTANCE);
      assertEquals(List.of("Started(a#2)"), events(granted));
      assertEquals(List.of("RunAttempt(a#2)"), effects(granted).subList(1, 2));
    }

    @Test
    void aPausedLaneRedeliversOnlyOnceResumed() {
      env.paused = true;
      recoveredRunning("a");

      assertEquals(List.of("Redelivered(a#2)"), events(on(new LaneCommand.Recovered("a"))));

      env.paused = false;
      assertEquals(List.of("Started(a#2)"), events(on(LaneCommand.Nudge.INSTANCE)));
    }

    @Test
    void anEventWaitingForItsRetryRunsItWithoutARedelivery() {
      recoveredRunning("a");
      state.apply(
          new LaneEvent.RetryScheduled(
              2, new Outcome.Error("E", "boom"), T0, Duration.ofSeconds(5), 1_000_000));

      Decision d = on(new LaneCommand.Recovered("a"));

      assertEquals(List.of("Started(a#2)"), events(d));
      assertFalse(one(d, Effect.RunAttempt.class).attempt().redelivered());
    }

    @Test
    void anEventBeingInterruptedAtTheStopEndsInterruptedAndTheNextStarts() {
      recoveredRunning("a", "b");
      state.apply(new LaneEvent.InterruptRequested("interrupted", false));

      Decision d = on(new LaneCommand.Recovered("a"));

      assertEquals(List.of("Ended(a,Interrupted)", "Started(b#1)"), events(d));
    }

    @Test
    void aRollbackDueAtTheStopRunsBeforeTheNextEvent() {
      recoveredRunning("a", "b");
      state.apply(new LaneEvent.InterruptRequested("interrupted", true));
      state.apply(new LaneEvent.RollbackStarted("a"));

      Decision d = on(new LaneCommand.Recovered(null));

      assertEquals(List.of(), events(d));
      assertEquals(List.of("RunRollback(a)", "Publish(BUSY)"), effects(d));
    }

    @Test
    void pendingEventsAloneStartInOrder() {
      state.apply(new LaneEvent.Enqueued(job("a")));
      state.apply(new LaneEvent.Enqueued(job("b")));

      Decision d = on(new LaneCommand.Recovered(null));

      assertEquals(List.of("Started(a#1)"), events(d));
    }

    @Test
    void anEventStartedByACommandDecidedBeforeTheRecoveredOneIsNotRedelivered() {
      state.apply(new LaneEvent.Enqueued(job("a")));
      submit("b"); // waited for the recovery, decided first: a starts

      Decision d = on(new LaneCommand.Recovered(null));

      assertEquals(List.of(), events(d), "a runs in this incarnation: nothing to redeliver");
      assertEquals(1, session.run);
    }

    @Test
    void aJournaledLaneThatIsPausedKeepsItsPendingEventsThroughADrain() {
      env.rules =
          new LaneEnvironment.Rules(
              env.rules.maxQueue(),
              env.rules.handlerTimeout(),
              env.rules.unhealthyAfter(),
              env.rules.retryPolicy(),
              env.rules.restart(),
              env.rules.idleTimeout(),
              true);
      env.paused = true;
      submit("a");

      Decision d = on(new LaneCommand.Drain(ref()));

      assertEquals(List.of(), events(d), "a stays in the journal for the next start");
      assertEquals(1, all(d, Effect.ReportDrained.class).size());
      assertEquals(List.of("a"), pendingIds(state));
    }
  }
}
