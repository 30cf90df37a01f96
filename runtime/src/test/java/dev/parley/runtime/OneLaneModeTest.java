package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code parley.concurrency.enabled = off}: every event in the one lane "default", in order. */
class OneLaneModeTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final String ONE_LANE = "parley.concurrency.enabled = off";

  @Test
  void everyEventOfEverySpaceAndGroupRunsInTheDefaultLane() {
    List<String> lanes = new CopyOnWriteArrayList<>();
    Parley parley =
        parleys.start(
            builder(ONE_LANE)
                .handler(
                    (event, lane) -> {
                      lanes.add(lane.laneKey());
                      return CompletableFuture.completedFuture(Reply.of(event.id()));
                    }));

    Receipt alone = await(parley.enqueue(Event.to("alice").id("a").build()));
    Receipt grouped = await(parley.enqueue(Event.to("bob").id("b").group("bot").build()));
    await(parley.outcome("b").orElseThrow());

    assertEquals("default", alone.laneKey());
    assertEquals("default", grouped.laneKey());
    assertEquals("default", await(parley.status("b")).orElseThrow().laneKey());
    assertEquals(List.of("default", "default"), lanes);
    assertEquals("alice", parley.event("a").orElseThrow().spaceId(), "the space is kept");
  }

  /**
   * 4 threads submit 50 spaces × 20 events (more than {@code max-queue}): one handler at a time, in
   * acceptance order (each thread's events in the order it submitted them), exactly one outcome per
   * event.
   */
  @Test
  void eventsOfManySpacesFromManyThreadsRunOneAtATimeInAcceptanceOrder() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger highWater = new AtomicInteger();
    List<String> ran = new CopyOnWriteArrayList<>();
    Parley parley =
        parleys.start(
            builder(ONE_LANE + "\nparley.worker.max-queue = 10")
                .handler(
                    (event, lane) -> {
                      highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
                      ran.add(event.id());
                      running.decrementAndGet();
                      return CompletableFuture.completedFuture(Reply.empty());
                    }));
    Map<String, CompletionStage<Outcome>> outcomes = new ConcurrentHashMap<>();

    ParleyTestKit.submitFromOwningThreads(
        4,
        50,
        20,
        (space, seq) -> {
          String id = "s" + space + "-" + seq;
          outcomes.put(id, parley.submit(Event.to("s" + space).id(id).build()));
        });

    awaitAll(new ArrayList<>(outcomes.values()))
        .forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
    assertEquals(1_000, ran.size(), "every event ran once");
    assertEquals(1, highWater.get(), "one at a time");
    for (int thread = 0; thread < 4; thread++) {
      List<String> submitted = new ArrayList<>();
      for (int seq = 0; seq < 20; seq++) {
        for (int space = thread; space < 50; space += 4) {
          submitted.add("s" + space + "-" + seq);
        }
      }
      assertEquals(
          submitted,
          ran.stream().filter(submitted::contains).toList(),
          "thread " + thread + "'s events ran in the order it submitted them");
    }
    assertEquals(1_000, parley.stats().totals().completed());
  }

  @Test
  void retriesWorkAsInALaneOfItsOwn() {
    AtomicInteger calls = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder(ONE_LANE)
                .retryPolicy(
                    RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO).build())
                .handler(
                    (event, lane) ->
                        calls.incrementAndGet() == 1
                            ? CompletableFuture.failedFuture(new IllegalStateException("once"))
                            : CompletableFuture.completedFuture(Reply.of(lane.attempt()))));

    Outcome first = await(parley.submit(Event.to("a").build()));
    Outcome next = await(parley.submit(Event.to("b").build()));

    assertEquals(Reply.of(2), assertInstanceOf(Outcome.Completed.class, first).reply());
    assertEquals(Reply.of(1), assertInstanceOf(Outcome.Completed.class, next).reply());
  }
}
