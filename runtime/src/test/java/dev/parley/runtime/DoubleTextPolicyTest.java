package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What happens to an event that arrives while its lane is busy, policy by policy. */
class DoubleTextPolicyTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, CompletableFuture<Reply>> gates = new ConcurrentHashMap<>();

  /** Runs before the extension shuts the runtime down, so that its drain waits for no gate. */
  @AfterEach
  void openGates() {
    gates.values().forEach(gate -> gate.complete(Reply.empty()));
  }

  /**
   * Payload "gate" waits for the test (and honours cancellation: cancelling its stage ends it),
   * "stubborn" never completes and ignores cancellation; anything else answers at once with the ids
   * of the events it handled.
   */
  private Parley start(String config) {
    return parleys.start(
        builder("parley.worker.handler-timeout = 300ms\n" + config)
            .handler(
                new Handler() {
                  @Override
                  public CompletionStage<Reply> handle(Event event, LaneContext lane) {
                    List<String> ids = event.batch().stream().map(Event::id).toList();
                    log.add("handle:" + String.join("+", ids));
                    if ("gate".equals(event.payload())) {
                      return gates.computeIfAbsent(event.id(), id -> new CompletableFuture<>());
                    }
                    if ("stubborn".equals(event.payload())) {
                      return new CompletableFuture<>() {
                        @Override
                        public boolean cancel(boolean mayInterruptIfRunning) {
                          return false;
                        }
                      };
                    }
                    return CompletableFuture.completedFuture(Reply.of(String.join("+", ids)));
                  }

                  @Override
                  public CompletionStage<Void> onRollback(Event interrupted, LaneContext lane) {
                    log.add("rollback:" + interrupted.id());
                    return CompletableFuture.completedFuture(null);
                  }
                }));
  }

  private CompletionStage<Outcome> submit(
      Parley parley, String id, String payload, DoubleTextPolicy policy) {
    Event.Builder event = Event.to("s").id(id).payload(payload);
    if (policy != null) {
      event.policy(policy);
    }
    return parley.submit(event.build());
  }

  /** Submits "e1" with {@code payload} and waits until its handler runs: the lane is busy. */
  private CompletionStage<Outcome> occupyLane(Parley parley, String payload) {
    CompletionStage<Outcome> running = submit(parley, "e1", payload, null);
    awaitLog("handle:e1");
    return running;
  }

  private void awaitLog(String line) {
    parleys.eventually(TEN_SECONDS, () -> assertTrue(log.contains(line), log::toString));
  }

  @Test
  void rejectRefusesAnEventWhileTheLaneIsBusyAndAcceptsItWhenIdle() {
    Parley parley = start("parley.double-text.policy = reject");
    CompletionStage<Outcome> running = occupyLane(parley, "gate");

    Outcome busy = await(submit(parley, "e2", "x", null));
    Receipt busyReceipt = await(parley.enqueue(Event.to("s").id("e3").build()));
    gates.get("e1").complete(Reply.of("done"));
    await(running);
    Outcome idle = await(submit(parley, "e4", "x", null));

    assertEquals(new Outcome.Rejected("e2", "lane-busy"), busy);
    assertEquals("lane-busy", busyReceipt.reason());
    assertInstanceOf(Outcome.Completed.class, idle);
    assertEquals(2, parley.stats().totals().rejected());
  }

  @Test
  void interruptCancelsTheRunningAndPendingEventsAndRunsTheNewOneNext() {
    Parley parley = start("");
    CompletionStage<Outcome> running = occupyLane(parley, "gate");
    CompletionStage<Outcome> pending = submit(parley, "e2", "x", null);

    Outcome newest = await(submit(parley, "e3", "x", DoubleTextPolicy.INTERRUPT));

    assertEquals(new Outcome.Interrupted("e1", "interrupted"), await(running));
    assertEquals(new Outcome.Cancelled("e2", "interrupted"), await(pending));
    assertEquals(new Outcome.Completed("e3", Reply.of("e3")), newest);
    assertTrue(gates.get("e1").isCancelled());
    assertEquals(List.of("handle:e1", "handle:e3"), log);
  }

  @Test
  void interruptingAHandlerThatIgnoresCancellationEndsItTimedOutThenRunsTheNewOne() {
    Parley parley = start("");
    CompletionStage<Outcome> running = occupyLane(parley, "stubborn");

    CompletionStage<Outcome> newest = submit(parley, "e2", "x", DoubleTextPolicy.INTERRUPT);

    assertEquals(
        Duration.ofMillis(300), assertInstanceOf(Outcome.TimedOut.class, await(running)).timeout());
    assertEquals(new Outcome.Completed("e2", Reply.of("e2")), await(newest));
  }

  @Test
  void coalesceHandsThePendingEventsToTheHandlerAsOneBatchAndEachGetsItsOutcome() {
    Parley parley = start("");
    parley.policy("s", DoubleTextPolicy.COALESCE);
    CompletionStage<Outcome> running = occupyLane(parley, "gate");
    List<CompletionStage<Outcome>> texts = new ArrayList<>();
    for (String id : List.of("e2", "e3", "e4")) {
      texts.add(submit(parley, id, "x", null));
    }
    parleys.eventually(TEN_SECONDS, () -> assertEquals(3, parley.stats().queueLengths().get("s")));

    gates.get("e1").complete(Reply.of("first"));

    await(running);
    assertEquals(new Outcome.Completed("e2", Reply.of("e2+e3+e4")), await(texts.get(0)));
    assertEquals(new Outcome.Completed("e3", Reply.of("e2+e3+e4")), await(texts.get(1)));
    assertEquals(new Outcome.Completed("e4", Reply.of("e2+e3+e4")), await(texts.get(2)));
    assertEquals(List.of("handle:e1", "handle:e2+e3+e4"), log);
    assertEquals(4, parley.stats().totals().completed());
  }

  @Test
  void latestKeepsOnlyTheNewestPendingEvent() {
    Parley parley = start("parley.double-text.policy = latest");
    CompletionStage<Outcome> running = occupyLane(parley, "gate");
    CompletionStage<Outcome> second = submit(parley, "e2", "x", null);
    CompletionStage<Outcome> third = submit(parley, "e3", "x", null);
    CompletionStage<Outcome> fourth = submit(parley, "e4", "x", null);

    gates.get("e1").complete(Reply.of("first"));

    assertInstanceOf(Outcome.Completed.class, await(running));
    assertEquals(new Outcome.Cancelled("e2", "superseded"), await(second));
    assertEquals(new Outcome.Cancelled("e3", "superseded"), await(third));
    assertEquals(new Outcome.Completed("e4", Reply.of("e4")), await(fourth));
    assertEquals(List.of("handle:e1", "handle:e4"), log);
  }

  @Test
  void rollbackCallsTheHookOnceBeforeTheNewEventRuns() {
    Parley parley = start("");
    parley.policy("s", DoubleTextPolicy.ROLLBACK);
    CompletionStage<Outcome> running = occupyLane(parley, "gate");

    Outcome newest = await(submit(parley, "e2", "x", null));

    assertEquals(new Outcome.Interrupted("e1", "interrupted", true), await(running));
    assertEquals(new Outcome.Completed("e2", Reply.of("e2")), newest);
    assertEquals(List.of("handle:e1", "rollback:e1", "handle:e2"), log);
  }

  @Test
  void anEventsOwnPolicyOverridesItsSpacesWhichOverridesTheDefault() {
    Parley parley = start("parley.double-text.policy = reject");
    CompletionStage<Outcome> running = occupyLane(parley, "gate");

    Outcome byDefault = await(submit(parley, "e2", "x", null));
    parley.policy("s", DoubleTextPolicy.ENQUEUE);
    CompletionStage<Outcome> bySpace = submit(parley, "e3", "x", null);
    Outcome byEvent = await(submit(parley, "e4", "x", DoubleTextPolicy.REJECT));
    gates.get("e1").complete(Reply.empty());

    assertInstanceOf(Outcome.Rejected.class, byDefault);
    assertInstanceOf(Outcome.Completed.class, await(bySpace));
    assertInstanceOf(Outcome.Rejected.class, byEvent);
    await(running);
  }
}
