package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static dev.parley.runtime.ParleyTestKit.awaitAll;
import static dev.parley.runtime.ParleyTestKit.builder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code parley.groups."<name>".max-parallel = N}: a group runs up to N events at once, never two
 * of one space at once, each space's events in order.
 */
class GroupParallelismTest {
  @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();
  private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

  /** Handlers that wait for the test: each call's future, by event id. */
  private static final class Gates {
    final Map<String, CompletableFuture<Reply>> calls = new ConcurrentHashMap<>();

    Handler handler() {
      return (event, lane) -> calls.computeIfAbsent(event.id(), id -> new CompletableFuture<>());
    }

    void open(String id) {
      calls.get(id).complete(Reply.empty());
    }
  }

  /**
   * 20 groups of N = 4, 50 spaces each, 20 events per space, submitted from 4 threads; one event in
   * 25 fails its first attempt (and is retried), one in 250 hangs past its timeout. Each space's
   * first attempts run in submission order and never two at once, no group runs more than 4 at
   * once, and every event has exactly one outcome: completed, or timed out for the hung ones.
   */
  @Test
  void twentyGroupsOfFourKeepEachSpaceInOrderAloneAndEachGroupWithinItsN() throws Exception {
    int groups = 20;
    int spaces = groups * 50;
    int events = 20;
    StringBuilder config = new StringBuilder("parley.worker.restart.min-backoff = 10ms\n");
    for (int g = 0; g < groups; g++) {
      config.append("parley.groups.g").append(g).append(".max-parallel = 4\n");
    }
    Map<String, AtomicInteger> runningInSpace = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> runningInGroup = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> mostInGroup = new ConcurrentHashMap<>();
    Map<String, List<Integer>> firstAttempts = new ConcurrentHashMap<>();
    AtomicInteger twoOfOneSpace = new AtomicInteger();
    // (not the common pool's: with 2 cores it is a thread per task)
    ExecutorService handlers = Executors.newFixedThreadPool(4);
    Executor later = CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS, handlers);
    Parley parley =
        parleys.start(
            builder(config.toString())
                .handler(
                    (event, lane) -> {
                      String group = event.group().orElseThrow();
                      int seq = Integer.parseInt(event.id().substring(event.id().indexOf('-') + 1));
                      if (runningInSpace
                              .computeIfAbsent(event.spaceId(), s -> new AtomicInteger())
                              .incrementAndGet()
                          > 1) {
                        twoOfOneSpace.incrementAndGet();
                      }
                      int inGroup =
                          runningInGroup
                              .computeIfAbsent(group, g -> new AtomicInteger())
                              .incrementAndGet();
                      mostInGroup
                          .computeIfAbsent(group, g -> new AtomicInteger())
                          .accumulateAndGet(inGroup, Math::max);
                      if (lane.attempt() == 1) {
                        firstAttempts
                            .computeIfAbsent(event.spaceId(), s -> new CopyOnWriteArrayList<>())
                            .add(seq);
                      }
                      Runnable leave =
                          () -> {
                            runningInGroup.get(group).decrementAndGet();
                            runningInSpace.get(event.spaceId()).decrementAndGet();
                          };
                      if (hangs(event.id())) {
                        CompletableFuture<Reply> hung = new CompletableFuture<>();
                        hung.whenComplete((r, e) -> leave.run()); // cancelled at the timeout
                        return hung;
                      }
                      boolean fail = fails(event.id()) && lane.attempt() == 1;
                      return CompletableFuture.supplyAsync(
                          () -> {
                            leave.run();
                            if (fail) {
                              throw new IllegalStateException("injected failure");
                            }
                            return Reply.of(event.id());
                          },
                          later);
                    }));
    RetryPolicy once =
        RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1)).build();
    Map<String, CompletionStage<Outcome>> outcomes = new ConcurrentHashMap<>();

    Map<String, Outcome> ended = new ConcurrentHashMap<>();
    try {
      ParleyTestKit.submitFromOwningThreads(
          4,
          spaces,
          events,
          (space, seq) -> {
            String id = "s" + space + "-" + seq;
            Event.Builder event = Event.to("s" + space).id(id).group("g" + space % groups);
            if (hangs(id)) {
              event.timeout(Duration.ofMillis(200)).retryPolicy(RetryPolicy.none());
            } else if (fails(id)) {
              event.retryPolicy(once);
            }
            outcomes.put(id, parley.submit(event.build()));
          });

      outcomes.forEach((id, outcome) -> ended.put(id, await(outcome)));
    } finally {
      handlers.shutdown();
    }
    assertEquals(spaces * events, ended.size());
    ended.forEach(
        (id, outcome) -> {
          if (hangs(id)) {
            assertInstanceOf(Outcome.TimedOut.class, outcome, id);
          } else {
            assertInstanceOf(Outcome.Completed.class, outcome, id);
          }
        });
    assertEquals(0, twoOfOneSpace.get(), "two events of one space ran at once");
    for (int space = 0; space < spaces; space++) {
      List<Integer> expected = new ArrayList<>();
      for (int seq = 0; seq < events; seq++) {
        expected.add(seq);
      }
      assertEquals(expected, firstAttempts.get("s" + space), "space s" + space);
    }
    mostInGroup.forEach(
        (group, most) -> assertTrue(most.get() <= 4, group + " ran " + most.get() + " at once"));
    assertEquals(groups, mostInGroup.size());
  }

  private static boolean hangs(String id) {
    return id.hashCode() % 250 == 0;
  }

  private static boolean fails(String id) {
    return !hangs(id) && Math.floorMod(id.hashCode(), 25) == 1;
  }

  /**
   * N = 4 of 6 spaces: four run and two wait for the group's permits (nothing else holds them);
   * when one ends the fifth starts; N lowered to 1 lets the running ones finish and starts the last
   * only once none of the group runs.
   */
  @Test
  void fourOfSixSpacesRunAtOnceAndALowerNTakesEffectAsRunningEventsEnd() {
    Gates gates = new Gates();
    Parley parley =
        parleys.start(builder("parley.groups.bot.max-parallel = 4").handler(gates.handler()));
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      outcomes.add(parley.submit(Event.to("s" + s).id("e" + s).group("bot").build()));
    }

    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(2, parley.stats().admission().waitingLanes()));
    assertEquals(4, gates.calls.size(), "two lanes wait for the group's permits");
    GroupView four = await(parley.group("bot"));
    assertEquals(4, four.maxParallel());
    assertEquals(4, four.running().size());
    assertEquals(2, four.pending().size());
    assertEquals(6, four.liveLanes());
    List<String> started = new ArrayList<>(gates.calls.keySet());

    gates.open(started.get(0));
    parleys.eventually(TEN_SECONDS, () -> assertEquals(5, gates.calls.size()));
    parley.groupParallelism("bot", 1);
    for (String id : started.subList(1, 4)) {
      gates.open(id);
    }
    String fifth =
        gates.calls.keySet().stream().filter(id -> !started.contains(id)).findFirst().orElseThrow();
    parleys.eventually(
        TEN_SECONDS,
        () -> {
          assertEquals(1, await(parley.group("bot")).running().size());
          assertEquals(1, parley.stats().admission().waitingLanes());
        });
    assertEquals(5, gates.calls.size(), "the fifth still runs: N is 1");

    gates.open(fifth);
    parleys.eventually(TEN_SECONDS, () -> assertEquals(6, gates.calls.size()));
    gates.calls.keySet().forEach(gates::open);
    awaitAll(outcomes).forEach(outcome -> assertInstanceOf(Outcome.Completed.class, outcome));
    assertEquals(1, await(parley.group("bot")).maxParallel());
  }

  @Test
  void eachSpaceOfAParallelGroupHasItsOwnLaneAndAGroupNotNamedKeepsOneLane() {
    Parley parley =
        parleys.start(
            builder("parley.groups.bot.max-parallel = 2")
                .handler(
                    (event, lane) -> CompletableFuture.completedFuture(Reply.of(lane.laneKey()))));

    Receipt parallel = await(parley.enqueue(Event.to("alice").id("a").group("bot").build()));
    Receipt ordered = await(parley.enqueue(Event.to("bob").id("b").group("other").build()));

    assertEquals("bot/alice", parallel.laneKey());
    assertEquals("other", ordered.laneKey());
    Outcome.Completed ran = (Outcome.Completed) await(parley.outcome("a").orElseThrow());
    assertEquals("bot/alice", ran.reply().value());
    assertEquals("bot/alice", await(parley.status("a")).orElseThrow().laneKey());
    assertEquals(Optional.of("bot"), parley.event("a").orElseThrow().group());
  }

  @Test
  void pausingTheGroupHoldsEverySpaceAndPausingASpaceHoldsOnlyItsOwn() {
    Gates gates = new Gates();
    Parley parley =
        parleys.start(builder("parley.groups.bot.max-parallel = 4").handler(gates.handler()));
    parley.pause("bot");
    CompletionStage<Outcome> a = parley.submit(Event.to("a").id("a1").group("bot").build());
    CompletionStage<Outcome> b = parley.submit(Event.to("b").id("b1").group("bot").build());
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(2, await(parley.group("bot")).pending().size()));
    assertTrue(await(parley.group("bot")).paused());
    assertTrue(gates.calls.isEmpty(), "a paused group starts nothing");

    parley.pause("b");
    parley.resume("bot");
    parleys.eventually(
        TEN_SECONDS, () -> assertEquals(List.of("a1"), List.copyOf(gates.calls.keySet())));
    assertEquals(1, await(parley.group("bot")).pending().size(), "b is paused itself");

    parley.resume("b");
    parleys.eventually(TEN_SECONDS, () -> assertEquals(2, gates.calls.size()));
    gates.calls.keySet().forEach(gates::open);
    assertInstanceOf(Outcome.Completed.class, await(a));
    assertInstanceOf(Outcome.Completed.class, await(b));
  }

  @Test
  void aBadMaxParallelOrAGroupNotNamedIsRefusedNamingTheProblem() {
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class,
            () -> parleys.start(withHandler("parley.groups.bot.max-parallel = 0")));
    assertEquals(
        "parley.groups.\"bot\".max-parallel: must be at least 1, got 0", zero.getMessage());
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> parleys.start(withHandler("parley.groups.bot.parallel = 2")));
    assertEquals(
        "parley.groups.\"bot\".parallel: unknown setting (a group has max-parallel)",
        unknown.getMessage());

    Parley parley = parleys.start(withHandler("parley.groups.bot.max-parallel = 2"));
    IllegalArgumentException notNamed =
        assertThrows(IllegalArgumentException.class, () -> parley.groupParallelism("other", 2));
    assertTrue(
        notNamed.getMessage().contains("\"other\" is not a parallel group"), notNamed::getMessage);
    assertThrows(IllegalArgumentException.class, () -> parley.groupParallelism("bot", 0));
    assertThrows(IllegalArgumentException.class, () -> parley.group("other"));
    assertEquals(2, await(parley.group("bot")).maxParallel(), "nothing changed");
    assertFalse(await(parley.group("bot")).paused());
  }

  private static ParleyBuilder withHandler(String config) {
    return builder(config)
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()));
  }
}
