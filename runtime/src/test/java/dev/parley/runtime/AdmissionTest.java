package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.admission.LoadProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The global in-flight cap, priorities and aging among waiting lanes, adaptive admission. */
class AdmissionTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  @AfterAll
  static void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void aThousandLanesUnderACapOfThreeNeverRunMoreThanThreeAndAllComplete() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger highWater = new AtomicInteger();
    Parley parley =
        parleys.start(
            builder("parley.admission.max-in-flight = 3")
                .handler(
                    (event, lane) -> {
                      highWater.accumulateAndGet(running.incrementAndGet(), Math::max);
                      CompletableFuture<Reply> reply = new CompletableFuture<>();
                      timer.schedule(
                          () -> {
                            running.decrementAndGet();
                            reply.complete(Reply.of("ok"));
                          },
                          200,
                          TimeUnit.MICROSECONDS);
                      return reply;
                    }));

    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      outcomes.add(parley.submit(Event.to("lane-" + i).build()));
    }
    awaitAll(outcomes).forEach(o -> assertInstanceOf(Outcome.Completed.class, o));

    assertEquals(3, highWater.get());
    assertEquals(3, parley.stats().admission().maxInFlight());

    highWater.set(0);
    parley.setMaxInFlight(5);
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(5, parley.stats().admission().maxInFlight()));
    outcomes.clear();
    for (int i = 0; i < 1_000; i++) {
      outcomes.add(parley.submit(Event.to("lane-" + i).build()));
    }
    awaitAll(outcomes).forEach(o -> assertInstanceOf(Outcome.Completed.class, o));

    assertEquals(5, highWater.get(), "the raised cap is honoured");
  }

  /** Handlers that wait for the test to release them, recording the order they started in. */
  private static final class Gates {
    // Written by handler threads while the test reads it: a copy-on-write list iterates safely.
    final List<String> startOrder = new CopyOnWriteArrayList<>();
    final Map<String, CompletableFuture<Reply>> gates = new ConcurrentHashMap<>();

    Handler handler() {
      return (event, lane) -> {
        startOrder.add(event.spaceId());
        return gate(event.spaceId());
      };
    }

    CompletableFuture<Reply> gate(String space) {
      return gates.computeIfAbsent(space, k -> new CompletableFuture<>());
    }

    void open(String space) {
      gate(space).complete(Reply.of(space));
    }
  }

  private static CompletionStage<Outcome> submit(Parley parley, String space, Priority priority) {
    return parley.submit(Event.to(space).priority(priority).build());
  }

  @Test
  void waitingLanesGetThePermitByPriorityThenWaitingTime() {
    Gates gates = new Gates();
    Parley parley =
        parleys.start(builder("parley.admission.max-in-flight = 1").handler(gates.handler()));
    CompletionStage<Outcome> holder = submit(parley, "holder", Priority.P2);
    parleys.eventually(TEN_SECONDS, () -> assertEquals(1, gates.startOrder.size()));

    List<CompletionStage<Outcome>> waiting = new ArrayList<>();
    for (var lane : List.of("p3", "p1-first", "p0", "p1-second")) {
      Priority priority = Priority.valueOf(lane.substring(0, 2).toUpperCase());
      waiting.add(submit(parley, lane, priority));
      parleys.eventually(
          TEN_SECONDS,
          () -> assertEquals(waiting.size(), parley.stats().admission().waitingLanes()));
    }
    for (String lane : List.of("holder", "p0", "p1-first", "p1-second", "p3")) {
      parleys.eventually(TEN_SECONDS, () -> assertEquals(lane, last(gates.startOrder)));
      gates.open(lane);
    }

    await(holder);
    awaitAll(waiting);
    assertEquals(List.of("holder", "p0", "p1-first", "p1-second", "p3"), gates.startOrder);
  }

  @Test
  void reprioritizingAWaitingLanesNextEventToP0ServesThatLaneFirst() {
    Gates gates = new Gates();
    Parley parley =
        parleys.start(builder("parley.admission.max-in-flight = 1").handler(gates.handler()));
    CompletionStage<Outcome> holder = submit(parley, "holder", Priority.P2);
    awaitStart(gates, "holder");
    CompletionStage<Outcome> p1 = submit(parley, "p1", Priority.P1);
    awaitWaiting(parley, 1);
    Event late = Event.to("p3").id("late").priority(Priority.P3).build();
    CompletionStage<Outcome> p3 = parley.submit(late);
    awaitWaiting(parley, 2);

    assertEquals(true, await(parley.reprioritize("late", Priority.P0)));

    assertEquals(Priority.P0, parley.event("late").orElseThrow().priority());
    gates.open("holder");
    awaitStart(gates, "p3");
    gates.open("p3");
    awaitStart(gates, "p1");
    gates.open("p1");
    awaitAll(List.of(holder, p1, p3));
    assertEquals(List.of("holder", "p3", "p1"), gates.startOrder);
    assertEquals(false, await(parley.reprioritize("late", Priority.P1)), "it has ended");
  }

  /**
   * Tenant A floods 1,000 lanes, then tenant B submits 10 events to 10 lanes; with a cap of 4 and
   * weights 1:1, B's events all start within the first 20 permits after they arrive. The test frees
   * one permit at a time, so the order of starts is the order of the grants.
   */
  @Test
  void aTenantWithFewLanesIsServedBetweenTheTurnsOfATenantWithAThousand() {
    List<String> started = new CopyOnWriteArrayList<>();
    Map<String, CompletableFuture<Reply>> gates = new ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean allOpen =
        new java.util.concurrent.atomic.AtomicBoolean();
    Parley parley =
        parleys.start(
            builder("parley.admission.max-in-flight = 4")
                .handler(
                    (event, lane) -> {
                      started.add(event.id());
                      CompletableFuture<Reply> gate =
                          gates.computeIfAbsent(event.id(), id -> new CompletableFuture<>());
                      if (allOpen.get()) { // read after the gate is in the map: see the sweep
                        gate.complete(Reply.empty());
                      }
                      return gate;
                    }));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      outcomes.add(parley.submit(Event.to("a-" + i).id("a-" + i).tenant("A").build()));
    }
    parleys.eventually(TEN_SECONDS, () -> assertEquals(4, started.size()));
    awaitWaiting(parley, 996);
    for (int i = 0; i < 10; i++) {
      outcomes.add(parley.submit(Event.to("b-" + i).id("b-" + i).tenant("B").build()));
    }
    awaitWaiting(parley, 1_006);

    for (int permit = 0; permit < 20; permit++) {
      gates.get(started.get(permit)).complete(Reply.empty()); // the oldest running event ends
      int next = 4 + permit + 1;
      parleys.eventually(TEN_SECONDS, () -> assertEquals(next, started.size()));
    }

    List<String> first20 = started.subList(4, 24);
    for (int i = 0; i < 10; i++) {
      assertTrue(first20.contains("b-" + i), "b-" + i + " started among " + first20);
    }
    allOpen.set(true);
    gates.values().forEach(gate -> gate.complete(Reply.empty()));
    awaitAll(outcomes).forEach(o -> assertInstanceOf(Outcome.Completed.class, o));
  }

  @Test
  void aP3LaneRunsUnderASteadyP0StreamAfterThreeAgingIntervals() {
    Duration aging = Duration.ofSeconds(10);
    AtomicLong clock = new AtomicLong();
    Gates gates = new Gates();
    Parley parley =
        parleys.start(
            builder("parley.admission.max-in-flight = 1\nparley.admission.aging-interval = 10s")
                .nanoClock(clock::get)
                .handler(gates.handler()));

    submit(parley, "p0-a", Priority.P0);
    awaitStart(gates, "p0-a");
    clock.set(1);
    submit(parley, "p3", Priority.P3);
    awaitWaiting(parley, 1);
    clock.set(2);
    submit(parley, "p0-b", Priority.P0);
    awaitWaiting(parley, 2);
    clock.set(3);
    submit(parley, "p0-c", Priority.P0);
    awaitWaiting(parley, 3);

    // Two intervals later P3 ranks as P1: the steady P0 stream still goes first.
    clock.set(2 * aging.toNanos() + 3);
    gates.open("p0-a");
    awaitStart(gates, "p0-b");
    submit(parley, "p0-d", Priority.P0);
    awaitWaiting(parley, 3);

    // Three intervals: P3 ranks as P0 and has waited longest.
    clock.set(3 * aging.toNanos() + 1);
    gates.open("p0-b");
    awaitStart(gates, "p3");
    // With a cap of 1 nothing else can start while p3 runs: compare a copy taken now, before
    // opening the gates lets the handler threads append to the list again.
    assertEquals(List.of("p0-a", "p0-b", "p3"), List.copyOf(gates.startOrder));

    for (String lane : List.of("p3", "p0-c", "p0-d")) {
      gates.open(lane);
    }
  }

  @Test
  void adaptiveAdmissionHalvesTheCapUnderMemoryPressureAndRestoresItStepByStep() {
    AtomicLong heapPercent = new AtomicLong(50);
    LoadProbe probe =
        new LoadProbe() {
          @Override
          public double heapAfterGc() {
            return heapPercent.get() / 100.0;
          }

          @Override
          public double processCpu() {
            return 0;
          }
        };
    Parley parley =
        parleys.start(
            builder(
                    """
                    parley.admission.max-in-flight = 8
                    parley.admission.adaptive.enabled = on
                    parley.admission.adaptive.check-interval = 20ms
                    """)
                .loadProbe(probe)
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty())));

    heapPercent.set(95);
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(1, parley.stats().admission().effectiveMaxInFlight()));
    heapPercent.set(50);
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(8, parley.stats().admission().effectiveMaxInFlight()));

    assertEquals(8, parley.stats().admission().maxInFlight());
    assertInstanceOf(Outcome.Completed.class, await(parley.submit(Event.to("s").build())));
  }

  private static void awaitStart(Gates gates, String lane) {
    parleys.eventually(TEN_SECONDS, () -> assertEquals(lane, last(gates.startOrder)));
  }

  private static void awaitWaiting(Parley parley, int lanes) {
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(lanes, parley.stats().admission().waitingLanes()));
  }

  private static String last(List<String> list) {
    synchronized (list) {
      return list.isEmpty() ? null : list.get(list.size() - 1);
    }
  }
}
