package dev.parley.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.NodeAsk;
import dev.parley.runtime.stats.NodeSummary;
import dev.parley.runtime.stats.StateUpdate;
import java.util.ArrayList;
import java.util.EnumMap;
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
  private static final String NODE = "127.0.0.1:25520";
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

  @Test
  void nodeSummariesOfTheMonitorRoundTrip() {
    StateUpdate update =
        update(
            List.of(
                new LaneReport(
                    "alice", 3, WorkerHealth.BUSY, Optional.of("m-1"), 4, 1, 0, 12.5, NODE),
                new LaneReport(
                    "bob", 0, WorkerHealth.PAUSED, Optional.empty(), 0, 0, 2, Double.NaN, NODE)));
    assertRoundTrips(new NodeSummary(NODE, update));
    TestProbe<NodeSummary> replyTo = KIT.createTestProbe();
    assertRoundTrips(new NodeAsk(NODE, "tenant-a:", 50, replyTo.ref()));
  }

  @Test
  void aSummaryOfTheMostLanesWithTheLongestNamesFitsInOneArteryFrame() {
    List<LaneReport> lanes = new ArrayList<>();
    for (int i = 0; i < NodeSummary.MAX_LANES; i++) {
      String key = String.format("%0128d", i); // the longest lane key
      String running = "é".repeat(Event.MAX_ID_LENGTH - 4) + String.format("%04d", i);
      lanes.add(
          new LaneReport(
              key,
              Integer.MAX_VALUE,
              WorkerHealth.RESTARTING,
              Optional.of(running),
              Long.MAX_VALUE,
              Long.MAX_VALUE,
              Long.MAX_VALUE,
              123456.789,
              "some-long-host-name.of.a.node.example.com:25520"));
    }
    NodeSummary summary = new NodeSummary(NODE, update(lanes));

    byte[] bytes =
        SerializationExtension.get(KIT.system().classicSystem()).serialize(summary).get();

    assertTrue(
        bytes.length < 256 * 1024 - 1024, bytes.length + " bytes, beyond Artery's frame size");
    assertRoundTrips(summary);
  }

  private static StateUpdate update(List<LaneReport> lanes) {
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, health.ordinal());
    }
    return new StateUpdate(
        1_764_053_076_000L,
        6,
        true,
        new StateUpdate.WorkerPool(3, 2, byHealth, lanes),
        new StateUpdate.Permits(8, 6, 2, 1),
        new StateUpdate.Throughput(9.0, 1.5, 0.25),
        new StateUpdate.Latency(0.02, 0.05, 12.5, 40.1),
        new StateUpdate.Totals(9, 1, 2, 3, 4, 5, 6, 7),
        2,
        lanes.size(),
        3,
        List.of());
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
