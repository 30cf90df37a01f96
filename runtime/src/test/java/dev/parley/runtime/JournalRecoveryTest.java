package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code parley.durability = journal}: what was accepted survives the runtime stopping without a
 * drain (its actor system terminated at once, as a crash would leave it), and the next runtime on
 * the same journal resumes it by itself. Run on the embedded H2 journal and on a real PostgreSQL.
 */
abstract class JournalRecoveryTest {
  @TempDir Path dataDir;
  private final List<Parley> started = new ArrayList<>();

  /** Where this test's journal is, beyond {@code parley.data-dir}: e.g. a database URL. */
  abstract Config journal();

  /** A JDBC connection to this test's journal database, while no runtime has it open. */
  abstract java.sql.Connection connect() throws Exception;

  /** One handler call, as the handler saw it. */
  record Call(String id, int attempt, boolean redelivered) {}

  @AfterEach
  void stopAll() {
    for (Parley parley : started) {
      parley.actorSystem().terminate();
      await(parley.actorSystem().getWhenTerminated());
    }
  }

  Config config() {
    return journal().withFallback(baseConfig());
  }

  private Config baseConfig() {
    return ConfigFactory.parseString(
        """
        parley.durability = journal
        parley.data-dir = "%s"
        # A crash: terminating the system runs no drain.
        pekko.coordinated-shutdown.run-by-actor-system-terminate = off
        """
            .formatted(dataDir.toString().replace("\\", "/")));
  }

  Parley start(Handler handler) {
    return start(handler, ConfigFactory.empty());
  }

  Parley start(Handler handler, Config more) {
    Parley parley = Parley.builder().config(more.withFallback(config())).handler(handler).build();
    started.add(parley);
    return parley;
  }

  private void crash(Parley parley) throws Exception {
    started.remove(parley);
    parley.actorSystem().terminate();
    parley.actorSystem().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** A handler that notes each event it handles in {@code calls} and completes it at once. */
  static Handler recording(List<String> calls) {
    return (event, lane) -> {
      calls.add(event.id());
      return CompletableFuture.completedFuture(Reply.of(event.id()));
    };
  }

  static Event event(String space, String id) {
    return Event.to(space).id(id).payload(id).build();
  }

  @Test
  void acceptedEventsSurviveACrashTheRunningOneIsRedeliveredAndFinishedOnesStayFinished()
      throws Exception {
    List<Call> before = new CopyOnWriteArrayList<>();
    CompletableFuture<Reply> never = new CompletableFuture<>();
    Parley first =
        start(
            (event, lane) -> {
              before.add(new Call(event.id(), lane.attempt(), lane.redelivered()));
              return event.id().equals("a1")
                  ? never
                  : CompletableFuture.completedFuture(Reply.of("done " + event.id()));
            });
    Outcome b1 = await(first.submit(event("b", "b1")));
    assertInstanceOf(Outcome.Completed.class, b1);
    Receipt a1 = await(first.enqueue(event("a", "a1")));
    Receipt a2 = await(first.enqueue(event("a", "a2")));
    Receipt a3 = await(first.enqueue(event("a", "a3")));
    assertEquals(Receipt.Status.ACCEPTED, a1.status());
    assertEquals(0, a2.positionInLane(), "next, after the running a1");
    assertEquals(1, a3.positionInLane());
    assertEquals(List.of(new Call("b1", 1, false), new Call("a1", 1, false)), before);

    crash(first);

    List<Call> after = new CopyOnWriteArrayList<>();
    Parley second =
        start(
            (event, lane) -> {
              after.add(new Call(event.id(), lane.attempt(), lane.redelivered()));
              return CompletableFuture.completedFuture(Reply.of("again " + event.id()));
            });
    for (String id : List.of("a1", "a2", "a3")) {
      assertInstanceOf(Outcome.Completed.class, await(second.outcome(id).orElseThrow()), id);
    }
    assertEquals(
        List.of(new Call("a1", 2, true), new Call("a2", 1, false), new Call("a3", 1, false)),
        after,
        "only the running event runs twice; the lane's order holds");
    EventStatus a1Status = await(second.status("a1")).orElseThrow();
    assertTrue(a1Status.redelivered());
    assertFalse(await(second.status("a2")).orElseThrow().redelivered());

    EventStatus b1Status = await(second.status("b1")).orElseThrow();
    assertEquals(EventStatus.State.FINISHED, b1Status.state());
    assertInstanceOf(Outcome.Completed.class, b1Status.outcome().orElseThrow());
    Receipt again = await(second.enqueue(event("b", "b1")));
    assertTrue(again.duplicate(), "an id known before the crash is still a duplicate");
    assertEquals(3, after.size(), "the duplicate did not run");
  }

  /**
   * A parallel group's spaces have lanes of their own (group/space) in the journal too: after a
   * crash with two of them running and the rest waiting, each space's events run again in order,
   * only the running ones redelivered.
   */
  @Test
  void theSpaceLanesOfAParallelGroupSurviveACrashEachInItsOrder() throws Exception {
    Config group = ConfigFactory.parseString("parley.groups.bot.max-parallel = 2");
    CountDownLatch twoRunning = new CountDownLatch(2);
    Parley first =
        start(
            (event, lane) -> {
              twoRunning.countDown();
              return new CompletableFuture<>();
            },
            group);
    List<String> ids = List.of("a1", "b1", "a2", "c1", "a3");
    for (String id : ids) {
      Event event = Event.to(id.substring(0, 1)).id(id).group("bot").build();
      assertEquals(Receipt.Status.ACCEPTED, await(first.enqueue(event)).status());
    }
    assertTrue(twoRunning.await(30, TimeUnit.SECONDS));
    assertEquals(2, await(first.group("bot")).running().size(), "c1 waits for a permit");

    crash(first);

    List<Call> after = new CopyOnWriteArrayList<>();
    Parley second =
        start(
            (event, lane) -> {
              after.add(new Call(event.id(), lane.attempt(), lane.redelivered()));
              return CompletableFuture.completedFuture(Reply.empty());
            },
            group);
    for (String id : ids) {
      assertInstanceOf(Outcome.Completed.class, await(second.outcome(id).orElseThrow()), id);
    }
    assertEquals(
        List.of(new Call("a1", 2, true), new Call("a2", 1, false), new Call("a3", 1, false)),
        after.stream().filter(call -> call.id().startsWith("a")).toList());
    assertTrue(after.contains(new Call("b1", 2, true)), after::toString);
    assertTrue(after.contains(new Call("c1", 1, false)), after::toString);
    assertEquals(5, after.size());
    assertEquals("bot/a", await(second.status("a3")).orElseThrow().laneKey());
  }

  @Test
  void aCleanRestartAfterEverythingEndedRunsNothingAgain() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    Handler recording = recording(calls);
    Parley first = start(recording);
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      outcomes.add(first.submit(event("s" + (i % 4), "e" + i)));
    }
    outcomes.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, await(outcome)));
    crash(first);

    Parley second = start(recording);
    assertEquals(0, second.stats().totals().pending(), "nothing left to run");
    assertEquals(20, calls.size());
    assertEquals(EventStatus.State.FINISHED, await(second.status("e7")).orElseThrow().state());
  }

  @Test
  void snapshotsKeepRecoveryBoundedAndTheEndedIdsKnown() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    Handler recording = recording(calls);
    Config snapshots =
        ConfigFactory.parseString("parley.journal.snapshot-every = 50").withFallback(config());
    Parley first = Parley.builder().config(snapshots).handler(recording).build();
    started.add(first);
    List<CompletionStage<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      outcomes.add(first.submit(event("long-lived", "m" + i)));
    }
    outcomes.forEach(outcome -> assertInstanceOf(Outcome.Completed.class, await(outcome)));
    crash(first);

    int rows;
    try (java.sql.Connection connection = connect();
        java.sql.Statement statement = connection.createStatement();
        java.sql.ResultSet result =
            statement.executeQuery(
                "SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" ="
                    + " 'lane|long-lived'")) {
      result.next();
      rows = result.getInt(1);
    }
    // 500 events wrote about 1,500 journal events; the snapshots left only the newest.
    assertTrue(rows <= 150, "journal events left to replay: " + rows);

    Parley second = Parley.builder().config(snapshots).handler(recording).build();
    started.add(second);
    assertEquals(500, calls.size(), "nothing ran again");
    EventStatus last = await(second.status("m499")).orElseThrow();
    assertEquals(EventStatus.State.FINISHED, last.state());
    assertTrue(await(second.enqueue(event("long-lived", "m450"))).duplicate());
    assertInstanceOf(
        Outcome.Completed.class, await(second.submit(event("long-lived", "after-restart"))));
    assertEquals("after-restart", calls.get(calls.size() - 1));
  }

  @Test
  void aPausedLaneAndASpacesPolicyStayAfterARestartWithThePendingEvents() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    Handler recording = recording(calls);
    Parley first = start(recording);
    assertTrue(first.pause("held"));
    first.policy("strict", DoubleTextPolicy.REJECT);
    assertEquals(Receipt.Status.ACCEPTED, await(first.enqueue(event("held", "h1"))).status());
    crash(first);

    Parley second = start(recording);
    assertEquals(EventStatus.State.PENDING, await(second.status("h1")).orElseThrow().state());
    assertTrue(await(second.lane("held")).paused(), "still paused after the restart");
    assertTrue(calls.isEmpty(), "a paused lane starts nothing after a restart either");
    assertTrue(second.resume("held"));
    assertInstanceOf(Outcome.Completed.class, await(second.outcome("h1").orElseThrow()));
    crash(second);

    CompletableFuture<Reply> never = new CompletableFuture<>();
    CountDownLatch s1Runs = new CountDownLatch(1);
    Parley third =
        start(
            (event, lane) -> {
              if (!event.id().equals("s1")) {
                return CompletableFuture.completedFuture(Reply.empty());
              }
              s1Runs.countDown();
              return never;
            });
    assertFalse(await(third.lane("held")).paused(), "the resume was journaled too");
    assertEquals(Receipt.Status.ACCEPTED, await(third.enqueue(event("strict", "s1"))).status());
    assertTrue(s1Runs.await(30, TimeUnit.SECONDS), "s1 did not start");
    Receipt refused = await(third.enqueue(event("strict", "s2")));
    assertEquals("lane-busy", refused.reason(), "the space's policy (reject) was journaled");
    never.complete(Reply.empty());
  }

  @Test
  void deadLettersSurviveARestartAndCanBeRedrivenAfterIt() throws Exception {
    RetryPolicy twice =
        RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build();
    Parley first =
        Parley.builder()
            .config(config())
            .retryPolicy(twice)
            .handler(
                (event, lane) -> CompletableFuture.failedFuture(new IllegalStateException("down")))
            .build();
    started.add(first);
    assertInstanceOf(Outcome.DeadLettered.class, await(first.submit(event("a", "d1"))));
    assertInstanceOf(Outcome.DeadLettered.class, await(first.submit(event("b", "d2"))));
    assertEquals(
        List.of("d2", "d1"), first.deadLetters().stream().map(l -> l.event().id()).toList());
    // A clean stop: a new dead letter is written just after its outcome, so a crash at once could
    // lose it; the shutdown lets the journal take it first.
    started.remove(first);
    await(first.shutdown());

    List<String> calls = new CopyOnWriteArrayList<>();
    Parley second = start(recording(calls));
    assertEquals(
        List.of("d2", "d1"), second.deadLetters().stream().map(l -> l.event().id()).toList());
    assertEquals(2, second.deadLetters().get(0).attempts());
    assertInstanceOf(Outcome.Completed.class, await(second.redrive("d1").orElseThrow()));
    assertEquals(List.of("d1"), calls);
    crash(second);

    Parley third = start((event, lane) -> CompletableFuture.completedFuture(Reply.empty()));
    assertEquals(
        List.of("d2"),
        third.deadLetters().stream().map(l -> l.event().id()).toList(),
        "the redriven one is gone for good");
    assertEquals(1, third.purgeDeadLetters());
    crash(third);
    Parley fourth = start((event, lane) -> CompletableFuture.completedFuture(Reply.empty()));
    assertTrue(fourth.deadLetters().isEmpty(), "a purge is journaled too");
  }
}
