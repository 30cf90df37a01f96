package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.CancelReport;
import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.Priority;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What recovery does: the lane events a lane decided, written through the journal's serializer and
 * applied in order to an empty state, give the same state as the lane had when it stopped, with
 * every kind of lane event in the journal (pending, running, retry scheduled, interrupted, rolled
 * back, cancelled, moved, reordered, reprioritized, dead-lettered, redelivered).
 */
class LaneStateReplayTest {
  private static final ActorTestKit KIT = ActorTestKit.create("LaneStateReplayTest");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private final LaneDeciderTest.FakeEnvironment env = new LaneDeciderTest.FakeEnvironment();
  private final LaneState live = new LaneState();
  private final Session session = new Session();
  private final List<LaneEvent> journal = new ArrayList<>();
  private LaneDecider decider;
  private long now;

  private void on(LaneCommand command) {
    if (decider == null) {
      decider = new LaneDecider("lane", env);
    }
    now += 1_000_000;
    journal.addAll(decider.decide(live, session, command, now).events());
  }

  private static Job job(String id, DoubleTextPolicy policy) {
    Event.Builder event = Event.to("space").id(id).payload("payload of " + id);
    if (policy != null) {
      event.policy(policy);
    }
    return new Job(event.build(), 1, 0, true, true);
  }

  private void submit(String id) {
    on(new LaneCommand.Submit(job(id, null), true));
  }

  private void done(Throwable error) {
    on(new LaneCommand.AttemptDone(session.run, error == null ? Reply.of("ok") : null, error));
  }

  private void async() {
    on(new LaneCommand.AttemptWentAsync(session.run));
  }

  private static LaneState replay(List<LaneEvent> events) {
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
    LaneState recovered = new LaneState();
    for (LaneEvent event : events) {
      Serializer serializer = serialization.findSerializerFor(event);
      byte[] bytes = serialization.serialize(event).get();
      LaneEvent back =
          (LaneEvent)
              serialization
                  .deserialize(
                      bytes, serializer.identifier(), Serializers.manifestFor(serializer, event))
                  .get();
      recovered.apply(back);
    }
    return recovered;
  }

  private void assertRecoversTheSameState() {
    assertEquals(live.snapshot(List.of()), replay(journal).snapshot(List.of()));
  }

  @Test
  void everyKindOfLaneEventReplaysToTheStateTheLaneHad() {
    env.rules =
        new LaneEnvironment.Rules(
            100,
            Duration.ofSeconds(1),
            10,
            RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(10)).build(),
            env.rules.restart(),
            env.rules.idleTimeout(),
            true);
    submit("a"); // Enqueued, Started
    async();
    submit("b");
    submit("c");
    submit("d");
    on(new LaneCommand.Move("d", 0, TestInbox.<Boolean>create().getRef())); // Moved
    on(new LaneCommand.Cancel("c", TestInbox.<Boolean>create().getRef())); // Cancelled
    on(new LaneCommand.Reprioritize("b", Priority.P0, TestInbox.<Boolean>create().getRef()));
    submit("f");
    on(
        new LaneCommand.Reorder(
            List.of("f", "d"), TestInbox.<LaneCommand.NotReordered>create().getRef()));
    on(
        new LaneCommand.CancelMany(
            Optional.of(List.of("f")), TestInbox.<CancelReport>create().getRef()));
    done(new IllegalStateException("boom")); // RetryScheduled
    on(new LaneCommand.RetryDue(session.run)); // Started #2
    async();
    done(new IllegalStateException("boom again")); // Ended: dead-lettered; d starts
    async();
    done(null); // Ended: completed; b starts
    async();
    on(new LaneCommand.Submit(job("e", DoubleTextPolicy.ROLLBACK), true)); // InterruptRequested
    done(new java.util.concurrent.CancellationException()); // RollbackStarted
    assertRecoversTheSameState(); // mid-rollback, e pending

    on(new LaneCommand.RollbackDone(null)); // Ended (rolled back); e starts
    async();
    assertRecoversTheSameState(); // e running
    // The runtime stops while e runs: the next incarnation recovers it and redelivers it.
    LaneState recovered = replay(journal);
    Session fresh = new Session();
    LaneDecider next = new LaneDecider("lane", env);
    List<LaneEvent> after = new ArrayList<>(journal);
    after.addAll(
        next.decide(recovered, fresh, new LaneCommand.Recovered("e"), now).events()); // Redelivered
    assertTrue(recovered.running().redelivered());
    assertEquals(recovered.snapshot(List.of()), replay(after).snapshot(List.of()));

    Set<Class<?>> kinds = new HashSet<>();
    after.forEach(event -> kinds.add(event.getClass()));
    assertEquals(
        Set.of(
            LaneEvent.Enqueued.class,
            LaneEvent.Started.class,
            LaneEvent.Moved.class,
            LaneEvent.Reprioritized.class,
            LaneEvent.Reordered.class,
            LaneEvent.Cancelled.class,
            LaneEvent.RetryScheduled.class,
            LaneEvent.Ended.class,
            LaneEvent.InterruptRequested.class,
            LaneEvent.RollbackStarted.class,
            LaneEvent.Redelivered.class),
        kinds,
        "the journal holds every kind but MarkedUnhealthy (a restart, covered by the decider tests)");
  }
}
