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
import java.util.concurrent.ConcurrentHashMap;
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
