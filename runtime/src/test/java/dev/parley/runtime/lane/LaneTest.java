package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Event;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The routing entry's hand-over and close protocol, step by step. */
class LaneTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  private static LaneCommand.Submit submit(String id) {
    return new LaneCommand.Submit(
        new Job(Event.to("space").id(id).build(), 1, 0, false, false), false);
  }

  @Test
  void deliveriesBeforeTheWorkerIsAttachedArriveFirstAndInOrder() {
    Lane lane = new Lane("space");
    TestProbe<LaneCommand> worker = testKit.createTestProbe();
    LaneCommand.Submit first = submit("1");
    LaneCommand.Submit second = submit("2");
    LaneCommand.Submit third = submit("3");

    assertTrue(lane.tryDeliver(first));
    assertTrue(lane.tryDeliver(second));
    lane.attach(worker.getRef());
    assertTrue(lane.tryDeliver(third));

    worker.expectMessage(first);
    worker.expectMessage(second);
    worker.expectMessage(third);
  }

  @Test
  void aWorkerCanCloseItsLaneOnlyWhenItReceivedEveryDelivery() {
    Lane lane = new Lane("space");
    lane.attach(testKit.<LaneCommand>createTestProbe().getRef());
    lane.tryDeliver(submit("1"));
    lane.tryDeliver(submit("2"));

    assertFalse(lane.tryClose(1), "one delivery is still in flight");
    assertTrue(lane.tryClose(2));
  }

  @Test
  void aClosedLaneRefusesDeliveriesSoTheCallerMakesAFreshOne() {
    Lane lane = new Lane("space");
    lane.attach(testKit.<LaneCommand>createTestProbe().getRef());

    assertTrue(lane.tryClose(0));

    assertFalse(lane.tryDeliver(submit("1")));
    assertFalse(lane.tryClose(0), "a lane closes once");
  }

  @Test
  void lanesReplaceAClosedLaneWithAFreshOneAndSpawnItsWorker() {
    java.util.List<Lane> spawned = new java.util.ArrayList<>();
    TestProbe<LaneCommand> worker = testKit.createTestProbe();
    LocalLanes lanes =
        new LocalLanes(
            lane -> {
              spawned.add(lane);
              lane.attach(worker.getRef());
            });
    LaneCommand.Submit first = submit("1");
    LaneCommand.Submit second = submit("2");

    lanes.deliver("space", first);
    assertTrue(spawned.get(0).tryClose(1));
    lanes.deliver("space", second);

    worker.expectMessage(first);
    worker.expectMessage(second);
    org.junit.jupiter.api.Assertions.assertEquals(2, spawned.size());
    org.junit.jupiter.api.Assertions.assertEquals(1, lanes.size());
  }
}
