package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The monitor as a runtime user sees it: listeners, lane reports and the update stream. */
class MonitorTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();

  private static final String FAST_MONITOR = "parley.monitor.interval = 50ms\n";

  /** A handler whose events end only when the test says so. */
  private static final class Gate implements Handler {
    final Queue<CompletableFuture<Reply>> open = new ConcurrentLinkedQueue<>();

    @Override
    public CompletionStage<Reply> handle(Event event, LaneContext lane) {
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      open.add(reply);
      return reply;
    }

    void releaseAll() {
      for (CompletableFuture<Reply> reply; (reply = open.poll()) != null; ) {
        reply.complete(Reply.of("done"));
      }
    }
  }

  @Test
  void listenersHearEveryEventOnceWithItsOutcomeAndTimes() {
    Map<String, FinishedEvent> heard = new ConcurrentHashMap<>();
    Queue<String> duplicates = new ConcurrentLinkedQueue<>();
    Map<String, Queue<String>> orderPerLane = new ConcurrentHashMap<>();
    Parley parley =
        parleys.start(
            builder("")
                .handler(
                    (event, lane) -> {
                      if ((int) event.payload() % 7 == 0) {
                        throw new IllegalStateException("boom");
                      }
                      return CompletableFuture.completedFuture(Reply.of(event.payload()));
                    })
                .listener(
                    finished -> {
                      if (heard.put(finished.eventId(), finished) != null) {
                        duplicates.add(finished.eventId());
                      }
                      orderPerLane
                          .computeIfAbsent(finished.laneKey(), k -> new ConcurrentLinkedQueue<>())
                          .add(finished.eventId());
                    })
                .listener(
                    finished -> {
                      throw new IllegalStateException("a broken listener changes nothing");
                    }));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    Map<String, List<String>> submitted = new ConcurrentHashMap<>();
    for (int i = 0; i < 200; i++) {
      String space = "space-" + (i % 10);
      Event event = Event.to(space).payload(i).build();
      submitted.computeIfAbsent(space, k -> new ArrayList<>()).add(event.id());
      outcomes.add(parley.submit(event));
    }
    List<Outcome> ended = awaitAll(outcomes);

    parleys.eventually(Duration.ofSeconds(10), () -> assertEquals(200, heard.size()));
    assertTrue(duplicates.isEmpty(), "told twice: " + duplicates);
    for (Outcome outcome : ended) {
      FinishedEvent finished = heard.get(outcome.eventId());
      assertEquals(outcome.getClass(), finished.outcome().getClass());
      assertEquals(1, finished.attempts());
      assertTrue(finished.started());
      assertTrue(finished.queuedNanos() >= 0 && finished.handledNanos() >= 0);
    }
    assertEquals(29, ended.stream().filter(Outcome.Failed.class::isInstance).count());
    submitted.forEach(
        (space, ids) ->
            assertEquals(ids, List.copyOf(orderPerLane.get(space)), "order of " + space));
  }

  @Test
  void aCancelledPendingEventIsHeardAsNeverStarted() {
    Map<String, FinishedEvent> heard = new ConcurrentHashMap<>();
    Gate gate = new Gate();
    Parley parley =
        parleys.start(builder("").handler(gate).listener(f -> heard.put(f.eventId(), f)));
    CompletionStage<Outcome> running = parley.submit(Event.to("s").id("first").build());
    CompletionStage<Outcome> pending = parley.submit(Event.to("s").id("second").build());
    parleys.eventually(Duration.ofSeconds(10), () -> assertEquals(1, gate.open.size()));

    assertTrue(await(parley.cancel("second")));
    gate.releaseAll();
    await(running);
    assertInstanceOf(Outcome.Cancelled.class, await(pending));

    parleys.eventually(Duration.ofSeconds(10), () -> assertEquals(2, heard.size()));
    assertFalse(heard.get("second").started());
    assertEquals(0, heard.get("second").attempts());
    assertTrue(heard.get("first").started());
  }

  @Test
  void anUpdateAndStatsReadTheSameLaneFiguresAndAgreeWithThemselves() {
    Gate gate = new Gate();
    Parley parley = parleys.start(builder("parley.monitor.interval = 1h").handler(gate));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int lane = 0; lane < 3; lane++) {
      for (int i = 0; i <= lane * 4; i++) {
        outcomes.add(parley.submit(Event.to("lane-" + lane).payload(i).build()));
      }
    }
    parleys.eventually(Duration.ofSeconds(10), () -> assertEquals(3, gate.open.size()));

    // Every lane runs one event and holds the rest: 0, 4 and 8 pending.
    parleys.eventually(
        Duration.ofSeconds(10),
        () -> {
          StateUpdate update = await(parley.monitor().snapshot("", 10));
          Stats stats = parley.stats();
          Map<String, Integer> depths = new java.util.HashMap<>();
          update.workerPool().lanes().forEach(lane -> depths.put(lane.laneKey(), lane.depth()));
          assertEquals(Map.of("lane-0", 0, "lane-1", 4, "lane-2", 8), depths);
          assertEquals(depths, stats.queueLengths());
          assertEquals(12, update.queueLength()); // the sum of the depths it shows
          assertEquals(3, update.workerPool().activeWorkers());
          assertEquals(3, stats.activeWorkers());
        });
    releaseUntilDone(gate, outcomes);
  }

  @Test
  void updatesShowLanesFillAndDrainAndWorkersGoBusyThenHealthy() {
    Gate gate = new Gate();
    Parley parley = parleys.start(builder(FAST_MONITOR).handler(gate));
    Queue<StateUpdate> updates = new ConcurrentLinkedQueue<>();
    parley.monitor().updates().runWith(Sink.foreach(updates::add), parleys.testKit().system());
    Set<String> lanes = Set.of("s1", "s2", "s3", "team");
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      outcomes.add(parley.submit(Event.to("s1").build()));
      outcomes.add(parley.submit(Event.to("s2").build()));
      outcomes.add(parley.submit(Event.to("s3").build()));
      outcomes.add(parley.submit(Event.to("s4").group("team").build()));
    }

    awaitUpdate(
        updates,
        update -> lanes.stream().allMatch(lane -> shows(update, lane, 2, WorkerHealth.BUSY)));
    StateUpdate full = parley.monitor().latest().orElseThrow();
    assertEquals(8, full.queueLength());
    assertTrue(full.workerPool().activeWorkers() >= 4);

    releaseUntilDone(gate, outcomes);
    awaitUpdate(
        updates,
        update -> lanes.stream().allMatch(lane -> shows(update, lane, 0, WorkerHealth.HEALTHY)));
    assertEquals(12, parley.monitor().latest().orElseThrow().totals().completed());
  }

  @Test
  void aHungHandlerShowsUnhealthyOrRestarting() {
    Parley parley =
        parleys.start(
            builder(
                    FAST_MONITOR
                        + "parley.worker.handler-timeout = 300ms\n"
                        + "parley.worker.health-check-interval = 20ms\n"
                        + "parley.worker.restart.min-backoff = 500ms\n"
                        + "parley.worker.restart.max-backoff = 500ms\n")
                .handler((event, lane) -> new CompletableFuture<Reply>()));
    Queue<StateUpdate> updates = new ConcurrentLinkedQueue<>();
    parley.monitor().updates().runWith(Sink.foreach(updates::add), parleys.testKit().system());

    CompletionStage<Outcome> hung = parley.submit(Event.to("stuck").build());

    awaitUpdate(
        updates,
        update ->
            health(update, "stuck")
                .filter(h -> h == WorkerHealth.UNHEALTHY || h == WorkerHealth.RESTARTING)
                .isPresent());
    assertInstanceOf(Outcome.TimedOut.class, await(hung));
    awaitUpdate(updates, update -> update.totals().restarts() == 1);
  }

  @Test
  void aPausedIdleLaneShowsPaused() {
    Parley parley =
        parleys.start(
            builder(FAST_MONITOR)
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty())));
    await(parley.submit(Event.to("quiet").build()));
    parley.pause("quiet");

    parleys.eventually(
        Duration.ofSeconds(10),
        () ->
            assertEquals(
                Optional.of(WorkerHealth.PAUSED),
                health(parley.monitor().latest().orElseThrow(), "quiet")));
  }

  @Test
  void aSubscriberMayAskForAPrefixAndItsOwnTop() {
    Gate gate = new Gate();
    Parley parley = parleys.start(builder(FAST_MONITOR).handler(gate));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (String space : List.of("eu:1", "eu:2", "us:1", "eu:2")) {
      outcomes.add(parley.submit(Event.to(space).build()));
      outcomes.add(parley.submit(Event.to(space).build()));
    }
    Queue<StateUpdate> updates = new ConcurrentLinkedQueue<>();
    parley
        .monitor()
        .updates("eu:", 1)
        .runWith(Sink.foreach(updates::add), parleys.testKit().system());

    StateUpdate update = awaitUpdate(updates, u -> shows(u, "eu:2", 3, WorkerHealth.BUSY));
    assertEquals(1, update.lanesShown());
    assertEquals(2, update.lanesTotal());
    assertEquals(3, update.workerPool().totalWorkers());
    assertThrows(IllegalArgumentException.class, () -> parley.monitor().updates("", 0));
    releaseUntilDone(gate, outcomes);
  }

  @Test
  void latencyPercentilesReflectHandlingTime() {
    Parley parley =
        parleys.start(
            builder(FAST_MONITOR)
                .handler(
                    (event, lane) ->
                        CompletableFuture.supplyAsync(
                            Reply::empty,
                            CompletableFuture.delayedExecutor(
                                30, java.util.concurrent.TimeUnit.MILLISECONDS))));
    Queue<StateUpdate> updates = new ConcurrentLinkedQueue<>();
    parley.monitor().updates().runWith(Sink.foreach(updates::add), parleys.testKit().system());
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      outcomes.add(parley.submit(Event.to("slow").build()));
    }
    awaitAll(outcomes);

    StateUpdate update = awaitUpdate(updates, u -> u.latency().handlerMsP50() > 0);
    assertTrue(update.latency().handlerMsP50() >= 25, "p50 " + update.latency());
    assertTrue(update.latency().handlerMsP99() >= update.latency().handlerMsP50());
  }

  @Test
  void aRuntimeWithTheMonitorOffReportsNothing() {
    Parley parley =
        parleys.start(
            builder("parley.monitor.enabled = off")
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty())));
    await(parley.submit(Event.to("s").build()));

    assertThrows(IllegalStateException.class, parley::monitor);
  }

  /** Releases events as they start (each release starts the next of its lane) until all ended. */
  private static void releaseUntilDone(Gate gate, List<CompletionStage<Outcome>> outcomes) {
    while (!outcomes.stream().allMatch(stage -> stage.toCompletableFuture().isDone())) {
      gate.releaseAll();
      Thread.onSpinWait();
    }
  }

  private static StateUpdate awaitUpdate(
      Queue<StateUpdate> updates, Predicate<StateUpdate> wanted) {
    StateUpdate[] found = new StateUpdate[1];
    parleys.eventually(
        Duration.ofSeconds(15),
        () -> {
          found[0] = updates.stream().filter(wanted).findFirst().orElse(null);
          assertTrue(found[0] != null, "no such update among " + describe(updates));
        });
    return found[0];
  }

  private static boolean shows(StateUpdate update, String lane, int depth, WorkerHealth health) {
    return update.workerPool().lanes().stream()
        .anyMatch(r -> r.laneKey().equals(lane) && r.depth() == depth && r.health() == health);
  }

  private static Optional<WorkerHealth> health(StateUpdate update, String lane) {
    return update.workerPool().lanes().stream()
        .filter(r -> r.laneKey().equals(lane))
        .map(LaneReport::health)
        .findFirst();
  }

  private static String describe(Queue<StateUpdate> updates) {
    return updates.stream()
        .skip(Math.max(0, updates.size() - 3))
        .map(
            u ->
                u.workerPool().lanes().stream()
                    .map(r -> r.laneKey() + "=" + r.depth() + "/" + r.health())
                    .collect(Collectors.joining(",", "[", "]")))
        .collect(Collectors.joining(" "));
  }
}
