package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

class ParleyTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();

  private static CompletionStage<Outcome> submit(Parley parley, String space, Object payload) {
    return parley.submit(Event.to(space).payload(payload).build());
  }

  @Test
  void handlesTheEventsOfOneSpaceStrictlyInOrderNeverTwoAtOnce() {
    Random random = new Random(42);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    List<Integer> handled = Collections.synchronizedList(new ArrayList<>());
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) -> {
                      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                      handled.add((Integer) event.payload());
                      int delayMicros = random.nextInt(3) == 0 ? 0 : random.nextInt(500);
                      if (delayMicros == 0) {
                        running.decrementAndGet();
                        return CompletableFuture.completedFuture(Reply.of(event.payload()));
                      }
                      return CompletableFuture.supplyAsync(
                          () -> {
                            running.decrementAndGet();
                            return Reply.of(event.payload());
                          },
                          CompletableFuture.delayedExecutor(delayMicros, TimeUnit.MICROSECONDS));
                    }));

    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      outcomes.add(submit(parley, "user-A", i));
    }

    List<Outcome> results = awaitAll(outcomes);
    for (int i = 0; i < results.size(); i++) {
      Outcome.Completed completed = assertInstanceOf(Outcome.Completed.class, results.get(i));
      assertEquals(i, completed.reply().value());
    }
    assertEquals(java.util.stream.IntStream.range(0, 1_000).boxed().toList(), handled);
    assertEquals(1, maxRunning.get(), "two events of one space overlapped");
  }

  @Test
  void runsDifferentSpacesInParallel() {
    AtomicInteger startedCount = new AtomicInteger();
    CompletableFuture<Void> allThreeStarted = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) -> {
                      if (startedCount.incrementAndGet() == 3) {
                        allThreeStarted.complete(null);
                      }
                      // Completes only when all three spaces are running at the same time.
                      return allThreeStarted.thenApply(ignored -> Reply.of(lane.spaceId()));
                    }));

    List<Outcome> results =
        awaitAll(List.of(submit(parley, "a", 1), submit(parley, "b", 2), submit(parley, "c", 3)));

    results.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
  }

  @Test
  void spacesOfOneGroupShareAnOrderedLaneWhileOtherSpacesRunBeside() {
    AtomicInteger groupRunning = new AtomicInteger();
    AtomicInteger groupMaxRunning = new AtomicInteger();
    List<String> groupOrder = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> soloStarted = new CompletableFuture<>();
    CompletableFuture<Void> groupStarted = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) -> {
                      if (event.group().isEmpty()) {
                        soloStarted.complete(null);
                        // Finishes only once the group's lane is running beside it.
                        return groupStarted.thenApply(ignored -> Reply.of("solo"));
                      }
                      groupStarted.complete(null);
                      groupMaxRunning.accumulateAndGet(groupRunning.incrementAndGet(), Math::max);
                      groupOrder.add(event.spaceId() + ":" + event.payload());
                      return soloStarted.thenApplyAsync(
                          ignored -> {
                            groupRunning.decrementAndGet();
                            return Reply.of(lane.laneKey());
                          });
                    }));

    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    List<String> submitted = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String space = i % 2 == 0 ? "channel-1" : "channel-2";
      outcomes.add(parley.submit(Event.to(space).group("bot-7").payload(i).build()));
      submitted.add(space + ":" + i);
    }
    outcomes.add(submit(parley, "dm-9", "solo"));

    List<Outcome> results = awaitAll(outcomes);
    results.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
    assertEquals(submitted, groupOrder);
    assertEquals(1, groupMaxRunning.get(), "two events of one group overlapped");
    assertEquals("bot-7", ((Outcome.Completed) results.get(0)).reply().value());
  }

  @Test
  void aFailingHandlerFailsThatEventOnlyWhateverTheWayItFails() {
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) ->
                        switch ((String) event.payload()) {
                          case "throw" -> throw new IllegalStateException("thrown");
                          case "failed-stage" ->
                              CompletableFuture.failedFuture(
                                  new java.io.IOException("failed stage"));
                          case "null" -> null;
                          case "fails-later" ->
                              CompletableFuture.supplyAsync(
                                  () -> {
                                    throw new UnsupportedOperationException("later");
                                  });
                          case "error" -> throw new AssertionError("an Error");
                          default -> CompletableFuture.completedFuture(Reply.of("ok"));
                        }));

    List<String> payloads =
        List.of("throw", "ok", "failed-stage", "ok", "null", "fails-later", "error", "ok");
    List<Outcome> results =
        awaitAll(payloads.stream().map(p -> submit(parley, "space-1", p)).toList());

    assertFailed(results.get(0), IllegalStateException.class, "thrown");
    assertInstanceOf(Outcome.Completed.class, results.get(1));
    assertFailed(results.get(2), java.io.IOException.class, "failed stage");
    assertFailed(results.get(4), NullPointerException.class, "handler returned null");
    assertFailed(results.get(5), UnsupportedOperationException.class, "later");
    assertFailed(results.get(6), AssertionError.class, "an Error");
    assertInstanceOf(Outcome.Completed.class, results.get(7));
    Stats stats = parley.stats();
    assertEquals(3, stats.totals().completed());
    assertEquals(5, stats.totals().failed());
  }

  private static void assertFailed(Outcome outcome, Class<?> type, String message) {
    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, outcome);
    assertEquals(type.getName(), failed.error().type());
    assertTrue(
        failed.error().message().contains(message),
        () -> failed.error().message() + " should contain " + message);
  }

  @Test
  void aStageThatCallsBackTwiceGivesItsEventOneOutcomeAndRunsTheNextOnce() {
    AtomicInteger calls = new AtomicInteger();
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) -> {
                      calls.incrementAndGet();
                      CompletableFuture<Reply> inner = new CompletableFuture<>();
                      CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS)
                          .execute(() -> inner.complete(Reply.of(event.payload())));
                      CallsBackTwice stage = new CallsBackTwice(inner);
                      return stage;
                    }));

    Outcome last = await(submit(parley, "space-1", "only"));
    List<Outcome> results =
        awaitAll(List.of(submit(parley, "space-1", 1), submit(parley, "space-1", 2)));

    assertInstanceOf(Outcome.Completed.class, last);
    results.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
    assertEquals(3, calls.get());
    Stats stats = parley.stats();
    assertEquals(3, stats.totals().completed());
    assertEquals(0, stats.totals().inFlight());
  }

  @Test
  void aHandlerFactoryGivesEachLaneItsOwnHandler() {
    AtomicInteger created = new AtomicInteger();
    Parley parley =
        parleys.start(
            Parley.builder()
                .handlerFactory(
                    laneKey -> {
                      created.incrementAndGet();
                      int[] seen = {0}; // per-lane state, never touched by two lanes
                      return (event, lane) ->
                          CompletableFuture.completedFuture(Reply.of(laneKey + "#" + ++seen[0]));
                    }));

    List<Outcome> results =
        awaitAll(
            List.of(
                submit(parley, "a", 1),
                submit(parley, "b", 1),
                submit(parley, "a", 2),
                submit(parley, "b", 2)));

    assertEquals(
        List.of("a#1", "b#1", "a#2", "b#2"),
        results.stream().map(o -> ((Outcome.Completed) o).reply().value()).toList());
    assertEquals(2, created.get());
  }

  @Test
  void theLaneContextNamesTheLaneAndLogsWithItsMdc() {
    Logger logger = (Logger) LoggerFactory.getLogger(Handler.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    ch.qos.logback.classic.Level before = logger.getLevel();
    logger.setLevel(ch.qos.logback.classic.Level.INFO);
    try {
      Parley parley =
          parleys.start(
              Parley.builder()
                  .handler(
                      (event, lane) -> {
                        lane.log().info("handling {}", event.payload());
                        return CompletableFuture.completedFuture(
                            Reply.of(lane.laneKey() + "/" + lane.spaceId() + "/" + lane.attempt()));
                      }));

      Event event = Event.to("channel-1").group("bot").id("event-1").payload("hi").build();
      Outcome outcome = await(parley.submit(event));

      assertEquals("bot/channel-1/1", ((Outcome.Completed) outcome).reply().value());
      ILoggingEvent line = appender.list.get(0);
      assertEquals("handling hi", line.getFormattedMessage());
      assertEquals("bot", line.getMDCPropertyMap().get("lane"));
      assertEquals("event-1", line.getMDCPropertyMap().get("eventId"));
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(before);
    }
  }

  @Test
  void aBlockingHandlerRunsOnTheBlockingDispatcher() {
    Parley parley =
        parleys.start(
            Parley.builder()
                .blockingHandler(
                    (event, lane) ->
                        CompletableFuture.completedFuture(
                            Reply.of(Thread.currentThread().getName()))));

    Outcome outcome = await(submit(parley, "space-1", "x"));

    String thread = (String) ((Outcome.Completed) outcome).reply().value();
    assertTrue(thread.contains("parley.blocking-dispatcher"), thread);
  }

  @Test
  void statsShowQueueLengthsAndWorkerHealthPerLane() {
    ConcurrentHashMap<Object, CompletableFuture<Reply>> gates = new ConcurrentHashMap<>();
    Parley parley =
        parleys.start(
            Parley.builder()
                .handler(
                    (event, lane) ->
                        gates.computeIfAbsent(event.payload(), k -> new CompletableFuture<>())));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      outcomes.add(submit(parley, "busy-lane", i));
    }
    outcomes.add(submit(parley, "other-lane", "x"));
    TestProbe<Void> probe = parleys.testKit().createTestProbe();

    probe.awaitAssert(
        () -> {
          Stats stats = parley.stats();
          assertEquals(3, stats.queueLengths().get("busy-lane"));
          assertEquals(WorkerHealth.BUSY, stats.workerHealth().get("busy-lane"));
          assertEquals(0, stats.queueLengths().get("other-lane"));
          assertEquals(2, stats.totalWorkers());
          assertEquals(2, stats.activeWorkers());
          assertEquals(5, stats.totals().accepted());
          assertEquals(2, stats.totals().inFlight());
          assertEquals(3, stats.totals().pending());
          return null;
        });

    for (Object key : List.of(0, 1, 2, 3, "x")) {
      gates.computeIfAbsent(key, k -> new CompletableFuture<>()).complete(Reply.of(key));
    }
    awaitAll(outcomes);
    parleys.eventually(
        Duration.ofSeconds(10),
        () -> {
          Stats stats = parley.stats();
          assertEquals(0, stats.queueLengths().get("busy-lane"));
          assertEquals(WorkerHealth.HEALTHY, stats.workerHealth().get("busy-lane"));
          assertEquals(0, stats.activeWorkers());
          assertEquals(5, stats.totals().completed());
          assertEquals(0, stats.totals().pending());
        });
  }

  /** A stage that runs every {@code handle} callback twice: a misbehaving third-party stage. */
  private static final class CallsBackTwice extends CompletableFuture<Reply> {
    CallsBackTwice(CompletableFuture<Reply> inner) {
      inner.whenComplete((reply, error) -> complete(reply));
    }

    @Override
    public <U> CompletableFuture<U> handle(
        java.util.function.BiFunction<? super Reply, Throwable, ? extends U> fn) {
      return super.handle(
          (reply, error) -> {
            fn.apply(reply, error);
            return fn.apply(reply, error);
          });
    }
  }
}
