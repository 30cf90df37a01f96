package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PassivationTest {
  /** A fine scheduler tick so that 1 ms idle timeouts really fire every few milliseconds. */
  @RegisterExtension
  static final ParleyExtension parleys =
      new ParleyExtension(ParleyTestKit.config("pekko.scheduler.tick-duration = 1ms"));

  @Test
  void anIdleWorkerStopsAndTheNextEventRecreatesIt() {
    AtomicInteger handlersCreated = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder("parley.worker.idle-timeout = 50ms")
                .handlerFactory(
                    laneKey -> {
                      handlersCreated.incrementAndGet();
                      return (event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"));
                    }));
    assertInstanceOf(Outcome.Completed.class, submit(parley, "space-1"));

    parleys.eventually(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(0, parley.stats().totalWorkers());
          assertEquals(1, parley.stats().totals().passivated());
        });
    assertInstanceOf(Outcome.Completed.class, submit(parley, "space-1"));

    assertEquals(2, handlersCreated.get(), "a fresh worker makes a fresh handler");
  }

  private static Outcome submit(Parley parley, String space) {
    return ParleyTestKit.await(parley.submit(Event.to(space).build()));
  }

  @Test
  void noEventIsLostWhenWorkersPassivateWhileEventsArrive() throws Exception {
    int threads = 4;
    int lanes = 8;
    int eventsPerThread = 400;
    Parley parley =
        parleys.start(
            builder("parley.worker.idle-timeout = 1ms")
                .handler(
                    (event, lane) -> CompletableFuture.completedFuture(Reply.of(event.payload()))));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<CompletionStage<Outcome>>>> submitted = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long seed = t;
      submitted.add(
          pool.submit(
              () -> {
                Random random = new Random(seed);
                List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
                for (int i = 0; i < eventsPerThread; i++) {
                  String space = "space-" + random.nextInt(lanes);
                  outcomes.add(parley.submit(Event.to(space).payload(i).build()));
                  if (random.nextInt(4) == 0) {
                    // Pacing, not synchronisation: lets lanes go idle so that their workers
                    // passivate at random moments between events.
                    LockSupport.parkNanos(random.nextInt(3_000_000));
                  }
                }
                return outcomes;
              }));
    }
    List<CompletionStage<Outcome>> all = new ArrayList<>();
    for (Future<List<CompletionStage<Outcome>>> f : submitted) {
      all.addAll(f.get(1, TimeUnit.MINUTES));
    }
    pool.shutdown();

    ParleyTestKit.awaitAll(all).forEach(o -> assertInstanceOf(Outcome.Completed.class, o));
    Stats stats = parley.stats();
    assertEquals(threads * eventsPerThread, stats.totals().completed());
    assertTrue(stats.totals().passivated() > 0, "workers should have passivated during the run");
  }
}
