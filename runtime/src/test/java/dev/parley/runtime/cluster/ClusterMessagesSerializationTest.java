package dev.parley.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.lane.Job;
import dev.parley.runtime.lane.LaneCommand;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What crosses between nodes in cluster mode goes through its serializer and comes back equal. */
class ClusterMessagesSerializationTest {
  private static final ActorTestKit KIT = ActorTestKit.create("ClusterMessagesSerializationTest");

  private static final Event EVENT =
      Event.to("alice").id("m-1").payload(Map.of("text", "hi")).build();
  private static final EventStatus FINISHED =
      EventStatus.finished(
          EVENT, 1, 12, 3, new Outcome.Completed("m-1", Reply.of(Map.of("ok", true))), false);

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void answersBetweenNodesRoundTrip() {
    TestProbe<Answer.Found> probe = KIT.createTestProbe();
    assertRoundTrips(new Answer.Settled(7, "m-1", true));
    assertRoundTrips(new Answer.ReceiptOf(7, Receipt.rejected(EVENT, "duplicate", 0)));
    assertRoundTrips(
        new Answer.Ended(7, new Outcome.Completed("m-1", Reply.of(Map.of("ok", true))), FINISHED));
    assertRoundTrips(new Answer.Ended(7, new Outcome.Rejected("m-1", "queue-full"), null));
    assertRoundTrips(new Answer.Find("m-1", probe.ref()));
    assertRoundTrips(new Answer.AwaitEnd("m-1", probe.ref()));
    TestProbe<Answer> edge = KIT.createTestProbe();
    TestProbe<Answer.Watched> watched = KIT.createTestProbe();
    assertRoundTrips(new Answer.Watch("alice", edge.ref(), watched.ref()));
    assertRoundTrips(new Answer.Watched("alice"));
    assertRoundTrips(new Answer.Unwatch("alice", edge.ref()));
    assertRoundTrips(
        new Answer.Streamed(
            new FinishedEvent(EVENT, new Outcome.Completed("m-1", Reply.of("hi")), 1, 5, 7)));
    assertRoundTrips(new Answer.Found("m-1", "alice", FINISHED));
    assertRoundTrips(new Answer.Found("m-1", null, null));
  }

  @Test
  void laneCommandsAndTheirRepliesRoundTrip() {
    assertRoundTrips(new LaneCommand.NotReordered(List.of("a", "b")));
    TestProbe<Answer> edge = KIT.createTestProbe();
    TestProbe<Optional<EventStatus>> status = KIT.createTestProbe();
    assertRoundTrips(new LaneCommand.Submit(new Job(EVENT, 3, 0, true, true, edge.ref()), true));
    assertRoundTrips(new LaneCommand.GetStatus("m-1", status.ref()));
    assertRoundTrips(LaneCommand.Nudge.INSTANCE);
    assertRoundTrips(FINISHED);
    assertRoundTrips(
        new LaneView(
            "alice",
            true,
            WorkerHealth.BUSY,
            false,
            Optional.of(FINISHED),
            List.of(FINISHED),
            1,
            0,
            0));
  }

  private static void assertRoundTrips(Object message) {
    Serialization serialization = SerializationExtension.get(KIT.system().classicSystem());
    var serializer = serialization.findSerializerFor(message);
    byte[] bytes = serialization.serialize(message).get();
    Object back =
        serialization
            .deserialize(
                bytes, serializer.identifier(), Serializers.manifestFor(serializer, message))
            .get();
    assertEquals(message, back);
  }
}
