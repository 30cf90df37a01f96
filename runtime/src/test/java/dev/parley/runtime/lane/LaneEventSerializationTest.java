package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Priority;
import dev.parley.runtime.Reply;
import dev.parley.runtime.RetryPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every lane event goes through the journal's serializer (Jackson CBOR) and comes back equal. */
class LaneEventSerializationTest {
  private static final ActorTestKit KIT = ActorTestKit.create("LaneEventSerializationTest");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static final Event FULL =
      Event.to("alice")
          .id("m-1")
          .group("bot-1")
          .priority(Priority.P1)
          .tenant("acme")
          .payload(Map.of("text", "hi", "n", 3, "tags", List.of("a", "b")))
          .attribute("channel", "web")
          .timeout(Duration.ofSeconds(5))
          .policy(DoubleTextPolicy.COALESCE)
          .retryPolicy(
              RetryPolicy.builder()
                  .maxAttempts(4)
                  .initialBackoff(Duration.ofMillis(50))
                  .maxBackoff(Duration.ofSeconds(2))
                  .multiplier(3.0)
                  .jitter(0.1)
                  .build())
          .build();

  private static final Event PLAIN = Event.to("bob").payload("plain text").build();

  static Stream<LaneEvent> everyEvent() {
    Outcome.Error error = new Outcome.Error("java.lang.IllegalStateException", "boom");
    return Stream.of(
        new LaneEvent.Enqueued(new Job(FULL, 7, 123_456_789L, true, true)),
        new LaneEvent.Enqueued(new Job(PLAIN, 8, 0, false, false)),
        new LaneEvent.Moved("m-1", 2),
        new LaneEvent.Reprioritized("m-1", Priority.P0),
        new LaneEvent.Reordered(List.of("m-3", "m-1")),
        new LaneEvent.Cancelled(List.of("m-1", "m-2"), "superseded"),
        new LaneEvent.Started("m-1", 1, List.of("m-2", "m-3"), 42L),
        new LaneEvent.InterruptRequested("interrupted", true),
        new LaneEvent.RetryScheduled(
            2, error, Instant.parse("2026-12-01T21:00:00Z"), Duration.ofMillis(250), 1_000_000),
        new LaneEvent.RollbackStarted("m-1"),
        new LaneEvent.Ended("m-1", new Outcome.Completed("m-1", Reply.of(Map.of("ok", true))), 5),
        new LaneEvent.Ended("m-1", new Outcome.Completed("m-1", Reply.empty()), 5),
        new LaneEvent.Ended("m-1", new Outcome.Failed("m-1", error), 5),
        new LaneEvent.Ended("m-1", new Outcome.TimedOut("m-1", Duration.ofSeconds(30)), 5),
        new LaneEvent.Ended("m-1", new Outcome.DeadLettered("m-1", error, 3), 5),
        new LaneEvent.Ended("m-1", new Outcome.Cancelled("m-1", "cancelled"), -1),
        new LaneEvent.Ended("m-1", new Outcome.Interrupted("m-1", "interrupted", true), -1),
        new LaneEvent.Ended("m-1", new Outcome.Rejected("m-1", "queue-full"), -1),
        new LaneEvent.MarkedUnhealthy("a handler timed out"),
        new LaneEvent.Redelivered("m-1", 3));
  }

  @ParameterizedTest
  @MethodSource("everyEvent")
  void roundTripsThroughJacksonCbor(LaneEvent event) {
    assertRoundTrips(event);
  }

  @Test
  void aSnapshotRoundTripsWithItsRunningAttemptRollbackAndEndedEvents() {
    Job running = new Job(FULL, 7, 1, true, true);
    Job pending = new Job(PLAIN, 8, 2, false, false);
    Attempt attempt =
        new Attempt(
            List.of(running), 2, 5, Instant.parse("2026-12-01T21:00:00Z"), null, false, true, true);
    Attempt rollback = new Attempt(List.of(pending), 1, 3, null, "interrupted", true, false, false);
    LaneSnapshot.Ended ended =
        new LaneSnapshot.Ended(FULL, new Outcome.Completed("m-1", Reply.of("ok")), 1, true);
    assertRoundTrips(
        new LaneSnapshot(List.of(pending), attempt, rollback, 4, 1, 1, 12.5, List.of(ended)));
    assertRoundTrips(new LaneSnapshot(List.of(), null, null, 0, 0, 0, null, List.of()));
  }

  private static void assertRoundTrips(Object event) {
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
    Serializer serializer = serialization.findSerializerFor(event);
    assertEquals("JacksonCborSerializer", serializer.getClass().getSimpleName());

    byte[] bytes = serialization.serialize(event).get();
    Object back =
        serialization
            .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, event))
            .get();

    assertEquals(event, back);
  }
}
