package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ShutdownTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor();

  @AfterAll
  static void stopTimer() {
    timer.shutdownNow();
  }

  private static CompletableFuture<Reply> after(long millis, Object value) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    timer.schedule(() -> reply.complete(Reply.of(value)), millis, TimeUnit.MILLISECONDS);
    return reply;
  }

  @Test
  void shutdownFinishesRunningAndPendingEventsWithinTheDrainTimeout() {
    Parley parley =
        parleys.start(
            builder("parley.shutdown.drain-timeout = 20s")
                .handler((event, lane) -> after(5, event.payload())));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      for (String space : List.of("a", "b", "c")) {
        outcomes.add(parley.submit(Event.to(space).payload(i).build()));
      }
    }

    await(parley.shutdown());

    outcomes.forEach(
        stage ->
            assertInstanceOf(
                Outcome.Completed.class, stage.toCompletableFuture().getNow(null), "drained"));
    assertEquals(60, parley.stats().totals().completed());
  }

  @Test
  void aPausedLaneDoesNotHoldTheDrainItsPendingEventsEndInterruptedAsPaused() {
    CompletableFuture<Reply> running = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder("parley.shutdown.drain-timeout = 60s")
                .handler(
                    (event, lane) ->
                        "first".equals(event.payload())
                            ? running
                            : CompletableFuture.completedFuture(Reply.empty())));
    CompletionStage<Outcome> first = parley.submit(Event.to("held").payload("first").build());
    parleys.eventually(
        java.time.Duration.ofSeconds(10),
        () -> assertEquals(WorkerHealth.BUSY, parley.stats().workerHealth().get("held")));
    parley.pause("held");
    List<CompletionStage<Outcome>> pending = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pending.add(parley.submit(Event.to("held").payload(i).build()));
    }
    CompletionStage<Outcome> other = parley.submit(Event.to("free").payload("x").build());

    CompletionStage<?> drained = parley.drain();
    running.complete(Reply.of("done")); // the running event finishes, as a pause promises
    await(drained); // well before the 60 s timeout: nothing waits for a resume

    assertInstanceOf(Outcome.Completed.class, await(first));
    assertInstanceOf(Outcome.Completed.class, await(other));
    for (CompletionStage<Outcome> stage : pending) {
      Outcome outcome = stage.toCompletableFuture().getNow(null);
      Outcome.Interrupted interrupted = assertInstanceOf(Outcome.Interrupted.class, outcome);
      assertEquals("paused", interrupted.reason(), "not \"shutdown\": the drain did not time out");
    }
  }

  @Test
  void whatDoesNotFitInTheDrainTimeoutEndsInterruptedAndSubmitsDuringTheDrainAreRejected() {
    List<CompletableFuture<Reply>> hung = new java.util.concurrent.CopyOnWriteArrayList<>();
    Parley parley =
        parleys.start(
            builder("parley.shutdown.drain-timeout = 300ms")
                .handler(
                    (event, lane) -> {
                      if ((int) event.payload() < 2) {
                        return after(1, event.payload());
                      }
                      CompletableFuture<Reply> neverCompletes = new CompletableFuture<>();
                      hung.add(neverCompletes);
                      return neverCompletes;
                    }));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (String space : List.of("a", "b", "c")) {
      for (int i = 0; i < 20; i++) {
        outcomes.add(parley.submit(Event.to(space).payload(i).build()));
      }
    }

    CompletionStage<org.apache.pekko.Done> shutdown = parley.shutdown();
    Outcome duringDrain = await(parley.submit(Event.to("a").payload(99).build()));
    await(parley.shutdown());
    hung.forEach(stage -> stage.complete(Reply.of("too late"))); // ignored: the events ended

    assertEquals(3, hung.size(), "one hung event per lane");
    hung.forEach(stage -> assertTrue(stage.isCancelled(), "an interrupted stage is cancelled"));
    assertTrue(shutdown.toCompletableFuture().isDone());
    assertEquals(
        new Outcome.Rejected(((Outcome.Rejected) duringDrain).eventId(), Parley.SHUTTING_DOWN),
        duringDrain);
    int completed = 0;
    int interrupted = 0;
    for (CompletionStage<Outcome> stage : outcomes) {
      Outcome outcome = stage.toCompletableFuture().getNow(null);
      if (outcome instanceof Outcome.Completed) {
        completed++;
      } else {
        assertEquals("shutdown", assertInstanceOf(Outcome.Interrupted.class, outcome).reason());
        interrupted++;
      }
    }
    assertEquals(6, completed, "the first two events of each lane fit in the drain");
    assertEquals(54, interrupted, "the running and the pending events that did not fit");
    Stats stats = parley.stats();
    assertEquals(54, stats.totals().interrupted());
    assertEquals(1, stats.totals().rejected());
    assertEquals(0, stats.totals().inFlight());
    assertEquals(0, stats.totals().pending());
  }

  @Test
  void theActorSystemsCoordinatedShutdownAsOnSigtermDrainsParleyFirst() {
    ActorTestKit ownKit = ActorTestKit.create("coordinated-shutdown-test");
    Parley parley =
        Parley.builder()
            .actorSystem(ownKit.system())
            .handler((event, lane) -> after(10, event.payload()))
            .build();
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      for (String space : List.of("a", "b", "c")) {
        outcomes.add(parley.submit(Event.to(space).payload(i).build()));
      }
    }

    ownKit.shutdownTestKit(); // terminates the system: Pekko runs its coordinated shutdown

    outcomes.forEach(
        stage ->
            assertInstanceOf(
                Outcome.Completed.class, stage.toCompletableFuture().getNow(null), "drained"));
    assertInstanceOf(
        Outcome.Rejected.class,
        parley.submit(Event.to("a").build()).toCompletableFuture().getNow(null));
  }

  @Test
  void submitAfterShutdownIsRejectedNeverThrownNorHung() {
    Parley parley =
        parleys.start(
            builder("").handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty())));
    await(parley.shutdown());

    Event event = Event.to("a").id("late-1").build();
    CompletionStage<Outcome> outcome = parley.submit(event);

    assertEquals(
        new Outcome.Rejected("late-1", Parley.SHUTTING_DOWN),
        outcome.toCompletableFuture().getNow(null));
    assertTrue(parley.shutdown().toCompletableFuture().isDone(), "shutdown is idempotent");
  }

  @Test
  void closingAParleyThatOwnsItsActorSystemTerminatesTheSystem() {
    Parley parley =
        Parley.builder()
            .config(ParleyTestKit.config("parley.system-name = owned-system-test"))
            .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok")))
            .build();
    Outcome outcome = await(parley.submit(Event.to("a").build()));

    parley.close();

    assertInstanceOf(Outcome.Completed.class, outcome);
    assertInstanceOf(
        Outcome.Rejected.class,
        parley.submit(Event.to("a").build()).toCompletableFuture().getNow(null));
  }
}
