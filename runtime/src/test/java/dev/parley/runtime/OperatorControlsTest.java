package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** cancel, move, pause / resume, pauseAll / resumeAll and emergencyStop. */
class OperatorControlsTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  private final List<String> handled = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, CompletableFuture<Reply>> gates = new ConcurrentHashMap<>();

  /** Runs before the extension shuts the runtime down, so that its drain waits for no gate. */
  @AfterEach
  void openGates() {
    gates.values().forEach(gate -> gate.complete(Reply.empty()));
  }

  /** Events whose payload is "gate" wait for the test; others answer at once. */
  private Parley start(String config, AtomicLong clock) {
    ParleyBuilder builder =
        builder(config)
            .handler(
                (event, lane) -> {
                  handled.add(event.id());
                  if ("gate".equals(event.payload())) {
                    return gates.computeIfAbsent(event.id(), id -> new CompletableFuture<>());
                  }
                  if (clock != null) {
                    clock.addAndGet(Duration.ofMillis(100).toNanos());
                  }
                  return CompletableFuture.completedFuture(Reply.of(event.id()));
                });
    if (clock != null) {
      builder.nanoClock(clock::get);
    }
    return parleys.start(builder);
  }

  private static Receipt enqueue(Parley parley, String space, String id, String payload) {
    return await(parley.enqueue(Event.to(space).id(id).payload(payload).build()));
  }

  private static EventStatus status(Parley parley, String id) {
    return await(parley.status(id)).orElseThrow();
  }

  private void awaitHandled(String id) {
    parleys.eventually(TEN_SECONDS, () -> assertTrue(handled.contains(id)));
  }

  @Test
  void cancellingAPendingEventEndsItCancelledAndShiftsTheOthersAtOnce() {
    AtomicLong clock = new AtomicLong();
    Parley parley = start("", clock);
    await(parley.submit(Event.to("s").id("warm-up").build())); // the lane's average: 100 ms
    enqueue(parley, "s", "running", "gate");
    awaitHandled("running");
    for (int i = 0; i < 10; i++) {
      assertEquals(i, enqueue(parley, "s", "e" + i, "x").positionInLane());
    }

    assertTrue(await(parley.cancel("e3")));

    assertEquals(
        new Outcome.Cancelled("e3", "cancelled"), await(parley.outcome("e3").orElseThrow()));
    for (int i = 4; i < 10; i++) {
      EventStatus s = status(parley, "e" + i);
      assertEquals(i - 1, s.positionInLane(), "e" + i + " moved up");
      assertEquals(i * 100L, s.etaMs(), "e" + i + " eta");
    }
    assertFalse(await(parley.cancel("running")), "a running event is not cancelled");
    assertFalse(await(parley.cancel("e3")), "an ended event is not cancelled again");
    assertFalse(await(parley.cancel("unknown")));
    gates.get("running").complete(Reply.empty());
    await(parley.outcome("e9").orElseThrow());
    assertFalse(handled.contains("e3"));
    assertEquals(1, parley.stats().totals().cancelled());
  }

  @Test
  void movingAPendingEventChangesWhenItRuns() {
    Parley parley = start("", null);
    enqueue(parley, "s", "running", "gate");
    awaitHandled("running");
    for (String id : List.of("a", "b", "c")) {
      enqueue(parley, "s", id, "x");
    }

    assertTrue(await(parley.move("c", 0)));
    assertFalse(await(parley.move("running", 0)));
    gates.get("running").complete(Reply.empty());
    await(parley.outcome("b").orElseThrow());

    assertEquals(List.of("running", "c", "a", "b"), handled);
  }

  @Test
  void cancelAllCancelsThePendingEventsOfEveryLaneAndReportsTheOthers() {
    Parley parley = start("", null);
    enqueue(parley, "a", "a-running", "gate");
    enqueue(parley, "b", "b-running", "gate");
    awaitHandled("a-running");
    awaitHandled("b-running");
    enqueue(parley, "a", "a1", "x");
    enqueue(parley, "a", "a2", "x");
    enqueue(parley, "b", "b1", "x");
    enqueue(parley, "c", "c-done", "x");
    await(parley.outcome("c-done").orElseThrow());

    CancelReport report =
        await(parley.cancelAll(List.of("b1", "a-running", "a2", "nope", "c-done", "b1")));

    assertEquals(List.of("b1", "a2"), report.cancelled());
    assertEquals(
        List.of(
            new CancelReport.NotCancelled("a-running", CancelReport.RUNNING),
            new CancelReport.NotCancelled("nope", CancelReport.UNKNOWN),
            new CancelReport.NotCancelled("c-done", CancelReport.FINISHED)),
        report.notCancelled());
    assertEquals(
        new Outcome.Cancelled("a2", "cancelled"), await(parley.outcome("a2").orElseThrow()));
    gates.get("a-running").complete(Reply.empty());
    await(parley.outcome("a1").orElseThrow());
    assertFalse(handled.contains("a2"));
    assertFalse(handled.contains("b1"));
  }

  @Test
  void cancelPendingCancelsEveryPendingEventOfOneLaneAndLetsTheRunningOneFinish() {
    Parley parley = start("", null);
    enqueue(parley, "s", "running", "gate");
    awaitHandled("running");
    for (int i = 0; i < 5; i++) {
      enqueue(parley, "s", "e" + i, "x");
    }
    enqueue(parley, "other", "o1", "gate");

    CancelReport report = await(parley.cancelPending("s"));

    assertEquals(List.of("e0", "e1", "e2", "e3", "e4"), report.cancelled());
    assertEquals(List.of(), report.notCancelled());
    assertEquals(CancelReport.none(), await(parley.cancelPending("idle-lane")));
    gates.get("running").complete(Reply.empty());
    assertInstanceOf(Outcome.Completed.class, await(parley.outcome("running").orElseThrow()));
    awaitHandled("o1");
    assertEquals(5, parley.stats().totals().cancelled());
  }

  @Test
  void reorderRunsTheListedPendingEventsFirstInThatOrder() {
    Parley parley = start("", null);
    enqueue(parley, "s", "running", "gate");
    awaitHandled("running");
    for (String id : List.of("a", "b", "c", "d")) {
      enqueue(parley, "s", id, "x");
    }

    assertEquals(List.of("running", "x"), await(parley.reorder("s", List.of("c", "running", "x"))));
    assertEquals(List.of(), await(parley.reorder("s", List.of("d", "b"))));

    gates.get("running").complete(Reply.empty());
    await(parley.outcome("c").orElseThrow());
    assertEquals(List.of("running", "d", "b", "a", "c"), handled);
  }

  /**
   * 20 lanes of 50 events each, a random third of them cancelled in bulk while the lanes run: every
   * event gets exactly one outcome, a cancelled one never runs, and each lane runs the rest in the
   * order they were accepted.
   */
  @Test
  void bulkCancelsWhileLanesRunKeepOneOutcomePerEventAndTheOrderOfEachLane() {
    Map<String, List<Integer>> runs = new ConcurrentHashMap<>();
    Parley parley =
        parleys.start(
            builder("parley.admission.max-in-flight = 4")
                .handler(
                    (event, lane) -> {
                      runs.computeIfAbsent(lane.laneKey(), k -> new CopyOnWriteArrayList<>())
                          .add((Integer) event.payload());
                      return CompletableFuture.completedFuture(Reply.empty());
                    }));
    java.util.Random random = new java.util.Random(14);
    Map<String, CompletionStage<Outcome>> outcomes = new java.util.LinkedHashMap<>();
    List<String> toCancel = new ArrayList<>();
    for (int seq = 0; seq < 50; seq++) {
      for (int lane = 0; lane < 20; lane++) {
        String id = "l" + lane + "-" + seq;
        outcomes.put(id, parley.submit(Event.to("l" + lane).id(id).payload(seq).build()));
        if (random.nextInt(3) == 0) {
          toCancel.add(id);
        }
      }
      if (seq % 10 == 9) {
        CancelReport report = await(parley.cancelAll(List.copyOf(toCancel)));
        assertEquals(toCancel.size(), report.cancelled().size() + report.notCancelled().size());
        toCancel.clear();
      }
    }

    Map<String, Outcome> ended = new java.util.HashMap<>();
    outcomes.forEach((id, stage) -> ended.put(id, await(stage)));
    for (int lane = 0; lane < 20; lane++) {
      List<Integer> ran = runs.getOrDefault("l" + lane, List.of());
      assertEquals(ran.stream().sorted().toList(), ran, "lane l" + lane + " ran in order");
      for (int seq = 0; seq < 50; seq++) {
        Outcome outcome = ended.get("l" + lane + "-" + seq);
        boolean cancelled = outcome instanceof Outcome.Cancelled;
        assertEquals(!cancelled, ran.contains(seq), outcome + ": ran exactly when not cancelled");
      }
    }
    Stats.Totals totals = parley.stats().totals();
    assertEquals(1_000, totals.completed() + totals.cancelled(), "one outcome per event");
  }

  @Test
  void aPausedLaneStartsNothingUntilResumedWhileOtherLanesRun() {
    Parley parley = start("", null);
    assertTrue(parley.pause("paused"));
    enqueue(parley, "paused", "p1", "x");
    enqueue(parley, "paused", "p2", "x");
    enqueue(parley, "free", "f1", "x");

    await(parley.outcome("f1").orElseThrow());
    parleys.eventually(
        TEN_SECONDS,
        () -> {
          assertEquals(WorkerHealth.PAUSED, parley.stats().workerHealth().get("paused"));
          assertEquals(2, parley.stats().queueLengths().get("paused"));
        });
    assertEquals(List.of("f1"), handled);

    assertTrue(parley.resume("paused"));
    awaitAll(List.of(parley.outcome("p1").orElseThrow(), parley.outcome("p2").orElseThrow()));

    assertEquals(List.of("f1", "p1", "p2"), handled);
    assertFalse(parley.resume("paused"));
  }

  @Test
  void pauseAllHoldsEveryLaneAndResumeAllReleasesThem() {
    Parley parley = start("", null);
    parley.pauseAll();
    enqueue(parley, "a", "a1", "x");
    enqueue(parley, "b", "b1", "x");
    parleys.eventually(
        TEN_SECONDS,
        () -> {
          assertEquals(WorkerHealth.PAUSED, parley.stats().workerHealth().get("a"));
          assertEquals(WorkerHealth.PAUSED, parley.stats().workerHealth().get("b"));
        });
    assertTrue(handled.isEmpty());

    parley.resumeAll();

    awaitAll(List.of(parley.outcome("a1").orElseThrow(), parley.outcome("b1").orElseThrow()))
        .forEach(o -> assertInstanceOf(Outcome.Completed.class, o));
  }

  @Test
  void emergencyStopCancelsPendingEventsAndInterruptsRunningOnesReportingHowMany() {
    Parley parley = start("", null);
    enqueue(parley, "a", "a-running", "gate");
    enqueue(parley, "b", "b-running", "gate");
    awaitHandled("a-running");
    awaitHandled("b-running");
    for (int i = 0; i < 3; i++) {
      enqueue(parley, "a", "a" + i, "x");
      enqueue(parley, "b", "b" + i, "x");
    }

    Parley.EmergencyStopReport report = await(parley.emergencyStop());

    assertEquals(new Parley.EmergencyStopReport(6, 2), report);
    assertEquals(
        new Outcome.Interrupted("a-running", "emergency-stop"),
        await(parley.outcome("a-running").orElseThrow()));
    assertEquals(
        new Outcome.Cancelled("b2", "emergency-stop"), await(parley.outcome("b2").orElseThrow()));
    assertTrue(gates.get("a-running").isCancelled(), "the handler's stage was cancelled");
    // The lanes go on: new events run.
    enqueue(parley, "a", "after", "x");
    assertInstanceOf(Outcome.Completed.class, await(parley.outcome("after").orElseThrow()));
    Stats.Totals totals = parley.stats().totals();
    assertEquals(6, totals.cancelled());
    assertEquals(2, totals.interrupted());
  }
}
