package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Timeouts, supervised restarts and health: no handler can hold a lane, no crash loses a queue. */
class UnhealthyWorkerTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final String FAST =
      """
      parley.worker.handler-timeout = 200ms
      parley.worker.restart.min-backoff = 10ms
      parley.worker.restart.max-backoff = 50ms
      """;

  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  private static CompletionStage<Outcome> submit(Parley parley, String space, Object payload) {
    return parley.submit(Event.to(space).payload(payload).build());
  }

  @Test
  void aHandlerThatNeverCompletesTimesOutAndTheLaneGoesOnWithAFreshHandler() {
    List<Integer> handlerInstances = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger created = new AtomicInteger();
    AtomicReference<LaneContext> hungContext = new AtomicReference<>();
    CompletableFuture<Reply> hung = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder(FAST)
                .handlerFactory(
                    laneKey -> {
                      int instance = created.incrementAndGet();
                      return (event, lane) -> {
                        handlerInstances.add(instance);
                        if ("hang".equals(event.payload())) {
                          hungContext.set(lane);
                          return hung;
                        }
                        return CompletableFuture.completedFuture(Reply.of(event.payload()));
                      };
                    }));

    List<Outcome> results =
        awaitAll(List.of(submit(parley, "s", "hang"), submit(parley, "s", "next")));

    Outcome.TimedOut timedOut = assertInstanceOf(Outcome.TimedOut.class, results.get(0));
    assertEquals(Duration.ofMillis(200), timedOut.timeout());
    assertEquals(Reply.of("next"), ((Outcome.Completed) results.get(1)).reply());
    assertTrue(hungContext.get().isCancelled(), "the handler sees that it was given up on");
    assertTrue(hung.isCancelled(), "the abandoned stage is cancelled");
    assertEquals(List.of(1, 2), handlerInstances, "the next event ran on a fresh handler");
    Stats stats = parley.stats();
    assertEquals(1, stats.totals().restarts());
    assertEquals(1L, stats.laneRestarts().get("s"));
    assertEquals(1, stats.totals().timedOut());
  }

  @Test
  void eventsThatArriveDuringARestartBackoffAreAllKeptAndRunInOrder() {
    // Older versions stashed them during the backoff and dropped what did not fit in
    // parley.worker.restart.stash-capacity; nothing is stashed now, whatever that key says.
    List<Object> handled = Collections.synchronizedList(new ArrayList<>());
    Parley parley =
        parleys.start(
            builder(
                    """
                    parley.worker.unhealthy-after = 1
                    parley.worker.restart.min-backoff = 2s
                    parley.worker.restart.max-backoff = 2s
                    parley.worker.restart.stash-capacity = 10
                    """)
                .handler(
                    (event, lane) -> {
                      handled.add(event.payload());
                      return "fail".equals(event.payload())
                          ? CompletableFuture.failedFuture(new IllegalStateException("boom"))
                          : CompletableFuture.completedFuture(Reply.of(event.payload()));
                    }));
    assertInstanceOf(Outcome.Failed.class, await(submit(parley, "s", "fail")));
    parleys.eventually(
        TEN_SECONDS,
        () -> assertEquals(WorkerHealth.RESTARTING, parley.stats().workerHealth().get("s")));

    List<CompletionStage<Outcome>> during = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      during.add(submit(parley, "s", i));
    }

    List<Outcome> outcomes = awaitAll(during);
    outcomes.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
    List<Object> expected = new ArrayList<>();
    expected.add("fail");
    for (int i = 0; i < 500; i++) {
      expected.add(i);
    }
    assertEquals(expected, handled, "every event ran once, in order, after the backoff");
    assertEquals(1, parley.stats().totals().restarts());
  }

  @Test
  void aPerEventTimeoutOverridesTheRuntimeDefault() {
    Parley parley =
        parleys.start(
            builder(
                    "parley.worker.handler-timeout = 1h\n"
                        + FAST.lines().skip(1).reduce("", (a, b) -> a + b + "\n"))
                .handler((event, lane) -> new CompletableFuture<>()));

    Outcome outcome = await(parley.submit(Event.to("s").timeout(Duration.ofMillis(50)).build()));

    assertEquals(
        Duration.ofMillis(50), assertInstanceOf(Outcome.TimedOut.class, outcome).timeout());
  }

  @Test
  void aHandlerTimeoutIsWarnedUnderADevParleyLoggerWithTheLaneAndTheEventInMdc() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var lines =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    lines.start();
    root.addAppender(lines);
    try {
      Parley parley =
          parleys.start(builder(FAST).handler((event, lane) -> new CompletableFuture<>()));

      Event slow = Event.to("channel-7").group("timeout-bot").id("slow-1").build();
      assertInstanceOf(Outcome.TimedOut.class, await(parley.submit(slow)));
      parley.drain().toCompletableFuture().join(); // the restart's lines are out too

      var warnings =
          List.copyOf(lines.list).stream()
              .filter(line -> line.getLevel() == ch.qos.logback.classic.Level.WARN)
              .filter(line -> line.getFormattedMessage().contains("timeout-bot"))
              .toList();
      assertEquals(1, warnings.size(), warnings::toString);
      var warning = warnings.get(0);
      assertTrue(warning.getFormattedMessage().contains("timed out"), warning::toString);
      assertTrue(warning.getLoggerName().startsWith("dev.parley."), warning.getLoggerName());
      assertEquals("timeout-bot", warning.getMDCPropertyMap().get("lane"));
      assertEquals("slow-1", warning.getMDCPropertyMap().get("eventId"));
      for (var line : List.copyOf(lines.list)) {
        assertTrue(
            !line.getLoggerName().startsWith("org.apache.pekko")
                || !line.getFormattedMessage().contains("timeout-bot"),
            () -> "a line about the lane under Pekko's logger: " + line);
      }
    } finally {
      root.detachAppender(lines);
    }
  }

  @Test
  void aLanesRestartIsWarnedUnderADevParleyLoggerWithTheLaneInMdc() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var lines =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    lines.start();
    root.addAppender(lines);
    try {
      Parley parley =
          parleys.start(
              builder(FAST)
                  .handler(
                      (event, lane) -> {
                        throw new AssertionError("a bug in the handler");
                      }));

      await(parley.submit(Event.to("fatal-bot").id("fatal-1").build()));
      parley.drain().toCompletableFuture().join();

      var warnings =
          List.copyOf(lines.list).stream()
              .filter(line -> line.getFormattedMessage().contains("restarting its handler"))
              .toList();
      assertEquals(1, warnings.size(), warnings::toString);
      assertTrue(warnings.get(0).getLoggerName().startsWith("dev.parley."));
      assertEquals("fatal-bot", warnings.get(0).getMDCPropertyMap().get("lane"));
    } finally {
      root.detachAppender(lines);
    }
  }

  @Test
  void aLateCompletionOfATimedOutStageIsIgnored() {
    List<CompletableFuture<Reply>> stages = Collections.synchronizedList(new ArrayList<>());
    Parley parley =
        parleys.start(
            builder(FAST)
                .handler(
                    (event, lane) -> {
                      // A stage that ignores cancel(): completing it later must change nothing.
                      CompletableFuture<Reply> stubborn =
                          new CompletableFuture<>() {
                            @Override
                            public boolean cancel(boolean mayInterruptIfRunning) {
                              return false;
                            }
                          };
                      stages.add(stubborn);
                      return stubborn;
                    }));

    Outcome first = await(parley.submit(Event.to("s").build()));
    CompletionStage<Outcome> second = parley.submit(Event.to("s").build());
    parleys.eventually(TEN_SECONDS, () -> assertEquals(2, stages.size()));
    stages.get(0).complete(Reply.of("too late"));
    stages.get(1).complete(Reply.of("in time"));

    assertInstanceOf(Outcome.TimedOut.class, first);
    assertEquals(Reply.of("in time"), ((Outcome.Completed) await(second)).reply());
    assertEquals(1, parley.stats().totals().completed());
  }

  @Test
  void aRestartInTheMiddleOfALaneKeepsItsFiftyPendingEventsInOrder() {
    List<Integer> handled = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> fiftyQueued = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder(FAST)
                .handler(
                    (event, lane) -> {
                      int n = (Integer) event.payload();
                      handled.add(n);
                      if (n == 0) {
                        // Hangs until all 50 are queued behind it, then past its timeout.
                        return fiftyQueued.thenCompose(v -> new CompletableFuture<Reply>());
                      }
                      return CompletableFuture.completedFuture(Reply.of(n));
                    }));

    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i <= 50; i++) {
      outcomes.add(submit(parley, "s", i));
    }
    fiftyQueued.complete(null);
    List<Outcome> results = awaitAll(outcomes);

    assertInstanceOf(Outcome.TimedOut.class, results.get(0));
    for (int i = 1; i <= 50; i++) {
      assertEquals(Reply.of(i), assertInstanceOf(Outcome.Completed.class, results.get(i)).reply());
    }
    assertEquals(java.util.stream.IntStream.rangeClosed(0, 50).boxed().toList(), handled);
    assertEquals(1, parley.stats().totals().restarts());
  }

  @Test
  void aHandlerThrowingAnErrorRestartsTheWorkerWithoutLosingItsQueue() {
    AtomicInteger created = new AtomicInteger();
    List<Integer> handled = Collections.synchronizedList(new ArrayList<>());
    Parley parley =
        parleys.start(
            builder(FAST)
                .handlerFactory(
                    laneKey -> {
                      created.incrementAndGet();
                      return (event, lane) -> {
                        int n = (Integer) event.payload();
                        handled.add(n);
                        if (n == 3) {
                          throw new AssertionError("a bug in the handler");
                        }
                        return CompletableFuture.completedFuture(Reply.of(n));
                      };
                    }));

    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      outcomes.add(submit(parley, "s", i));
    }
    List<Outcome> results = awaitAll(outcomes);

    Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class, results.get(3));
    assertEquals(AssertionError.class.getName(), failed.error().type());
    for (int i = 0; i < 20; i++) {
      if (i != 3) {
        assertInstanceOf(Outcome.Completed.class, results.get(i));
      }
    }
    assertEquals(java.util.stream.IntStream.range(0, 20).boxed().toList(), handled);
    assertEquals(2, created.get(), "the restarted worker made a fresh handler");
    assertEquals(1, parley.stats().totals().restarts());
  }

  @Test
  void failingUnhealthyAfterTimesInARowRestartsTheHandlerContext() {
    AtomicInteger created = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder(FAST + "parley.worker.unhealthy-after = 3")
                .handlerFactory(
                    laneKey -> {
                      created.incrementAndGet();
                      return (event, lane) -> {
                        if ("fail".equals(event.payload())) {
                          throw new IllegalStateException("boom");
                        }
                        return CompletableFuture.completedFuture(Reply.of("ok"));
                      };
                    }));

    List<Outcome> results =
        awaitAll(
            List.of(
                submit(parley, "s", "fail"),
                submit(parley, "s", "fail"),
                submit(parley, "s", "ok"), // resets the count
                submit(parley, "s", "fail"),
                submit(parley, "s", "fail"),
                submit(parley, "s", "fail"), // third in a row
                submit(parley, "s", "ok")));

    assertInstanceOf(Outcome.Completed.class, results.get(6));
    assertEquals(2, created.get());
    assertEquals(1, parley.stats().totals().restarts());
    assertEquals(5, parley.stats().totals().failed());
  }

  @Test
  void aBlockingHandlerStuckInSleepIsInterruptedAndTheBoundedPoolKeepsItsThreads()
      throws InterruptedException {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger interrupted = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder(
                    FAST
                        + """
                        parley.worker.handler-timeout = 50ms
                        parley.blocking-dispatcher.thread-pool-executor.fixed-pool-size = 4
                        """)
                .blockingHandler(
                    (event, lane) -> {
                      if ("sleep".equals(event.payload())) {
                        started.incrementAndGet();
                        try {
                          Thread.sleep(Duration.ofHours(1).toMillis()); // a hung blocking call
                        } catch (InterruptedException e) {
                          interrupted.incrementAndGet();
                          throw e;
                        }
                      }
                      return CompletableFuture.completedFuture(Reply.of("ok"));
                    }));

    List<CompletionStage<Outcome>> hangs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      hangs.add(submit(parley, "lane-" + (i % 10), "sleep"));
    }
    awaitAll(hangs).forEach(o -> assertInstanceOf(Outcome.TimedOut.class, o));
    // Every call that started was interrupted (one still queued in the pool when its attempt
    // timed out, as on a busy machine, is cancelled before it starts: it never sleeps).
    TestProbe.create(parley.actorSystem())
        .awaitAssert(
            Duration.ofSeconds(30),
            () -> {
              assertEquals(started.get(), interrupted.get(), "hung calls interrupted");
              return null;
            });

    // 4 threads served 100 hangs: each was given back. The pool still runs new work.
    List<Outcome> after =
        awaitAll(
            java.util.stream.IntStream.range(0, 8)
                .mapToObj(i -> submit(parley, "after-" + i, "ok"))
                .toList());
    after.forEach(o -> assertInstanceOf(Outcome.Completed.class, o));
    assertTrue(started.get() >= 4, "the pool's threads all took a hung call: " + started);
  }

  @Test
  void healthShowsRestartingDuringTheBackoffAndUnhealthyPastTheTimeout() {
    CompletableFuture<Reply> release = new CompletableFuture<>();
    Parley parley =
        parleys.start(
            builder(
                    """
                    parley.worker.handler-timeout = 300ms
                    parley.worker.health-check-interval = 20ms
                    parley.worker.restart.min-backoff = 2s
                    parley.worker.restart.max-backoff = 2s
                    """)
                .handler(
                    (event, lane) ->
                        "hang".equals(event.payload()) ? new CompletableFuture<>() : release));
    TestProbe<Void> probe = parleys.testKit().createTestProbe();

    CompletionStage<Outcome> hung = submit(parley, "s", "hang");
    CompletionStage<Outcome> next = submit(parley, "s", "next");
    probe.awaitAssert(
        () -> {
          WorkerHealth health = parley.stats().workerHealth().get("s");
          assertTrue(
              health == WorkerHealth.UNHEALTHY || health == WorkerHealth.RESTARTING,
              "health " + health);
          return null;
        });
    assertInstanceOf(Outcome.TimedOut.class, await(hung));
    assertEquals(WorkerHealth.RESTARTING, parley.stats().workerHealth().get("s"));
    assertEquals(1, parley.stats().queueLengths().get("s"), "the queue is kept while restarting");

    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(WorkerHealth.BUSY, parley.stats().workerHealth().get("s")));
    release.complete(Reply.of("done"));
    assertInstanceOf(Outcome.Completed.class, await(next));
    parleys.eventually(
        TEN_SECONDS,
        () -> assertEquals(WorkerHealth.HEALTHY, parley.stats().workerHealth().get("s")));
  }
}
