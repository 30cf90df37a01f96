package dev.parley.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.runtime.WorkerHealth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Gathering the other nodes' answers for one filtered view. */
class NodeViewsTest {
  private static final ActorTestKit KIT = ActorTestKit.create("NodeViewsTest");
  private static final String B = "127.0.0.1:25521";
  private static final String C = "127.0.0.1:25522";

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void handsTheAnswersOverOnceEveryNodeAskedHasAnswered() {
    TestProbe<Map<String, NodeSummary>> hub = KIT.createTestProbe();
    AtomicReference<ActorRef<NodeSummary>> replyTo = new AtomicReference<>();
    KIT.spawn(NodeViews.create(Set.of(B, C), Duration.ofHours(1), replyTo::set, hub.ref(), a -> a));
    KIT.createTestProbe().awaitAssert(() -> replyTo.get().path());

    replyTo.get().tell(summary(B));
    replyTo.get().tell(summary("127.0.0.1:9")); // not asked
    hub.expectNoMessage(Duration.ofMillis(100));
    replyTo.get().tell(summary(C));

    assertEquals(Map.of(B, summary(B), C, summary(C)), hub.receiveMessage());
  }

  @Test
  void handsOverWhatCameWhenTheTimeIsUp() {
    TestProbe<Map<String, NodeSummary>> hub = KIT.createTestProbe();
    AtomicReference<ActorRef<NodeSummary>> replyTo = new AtomicReference<>();
    KIT.spawn(
        NodeViews.create(Set.of(B, C), Duration.ofMillis(300), replyTo::set, hub.ref(), a -> a));
    KIT.createTestProbe().awaitAssert(() -> replyTo.get().path());

    replyTo.get().tell(summary(B));

    assertEquals(Map.of(B, summary(B)), hub.receiveMessage(Duration.ofSeconds(30)));
  }

  private static NodeSummary summary(String node) {
    return new NodeSummary(
        node,
        new StateUpdate(
            1L,
            0,
            true,
            new StateUpdate.WorkerPool(0, 0, Map.of(WorkerHealth.HEALTHY, 0), List.of()),
            new StateUpdate.Permits(0, 0, 0, 0),
            new StateUpdate.Throughput(0, 0, 0),
            new StateUpdate.Latency(0, 0, 0, 0),
            new StateUpdate.Totals(0, 0, 0, 0, 0, 0, 0, 0),
            0,
            0,
            0,
            List.of()));
  }
}
