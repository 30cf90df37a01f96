package dev.parley.runtime.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionQueueTest {
  private static final long AGING = 10_000; // nanoseconds per level, on a clock the test moves

  @Test
  void grantsNoMoreThanTheCapUntilAPermitIsReleased() {
    AdmissionQueue queue = new AdmissionQueue(2, AGING);
    queue.request("a", Priority.P2, 0);
    queue.request("b", Priority.P2, 1);
    queue.request("c", Priority.P2, 2);

    assertEquals("a", queue.grantNext(3));
    assertEquals("b", queue.grantNext(3));
    assertNull(queue.grantNext(3), "the cap is reached");
    queue.release();
    assertEquals("c", queue.grantNext(4));
    assertEquals(2, queue.inFlight());
  }

  @Test
  void tenantsOfEqualWeightTakeTurnsWhateverTheirNumberOfLanes() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    for (int i = 0; i < 100; i++) {
      queue.request("a-" + i, Priority.P0, "A", i);
    }
    queue.request("b-0", Priority.P3, "B", 200);
    queue.request("b-1", Priority.P3, "B", 201);

    List<String> granted = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      granted.add(grantAndRelease(queue, 300));
    }

    assertEquals(List.of("a-0", "b-0", "a-1", "b-1", "a-2", "a-3"), granted);
  }

  @Test
  void aTenantOfWeightThreeGetsThreeTurnsOfFour() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING, Map.of("big", 3));
    for (int i = 0; i < 20; i++) {
      queue.request("big-" + i, Priority.P2, "big", i);
      queue.request("small-" + i, Priority.P2, "small", i);
    }

    long big = 0;
    for (int i = 0; i < 16; i++) {
      big += grantAndRelease(queue, 100).startsWith("big-") ? 1 : 0;
    }

    assertEquals(12, big);
  }

  @Test
  void withinATenantPriorityAndWaitingTimeDecide() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    queue.request("a-p3", Priority.P3, "A", 0);
    queue.request("a-p0", Priority.P0, "A", 1);
    queue.request("b-p2", Priority.P2, "B", 2);

    assertEquals("a-p0", grantAndRelease(queue, 3));
    assertEquals("b-p2", grantAndRelease(queue, 3));
    assertEquals("a-p3", grantAndRelease(queue, 3));
    assertEquals(0, queue.waitingCount());
  }

  @Test
  void higherPriorityLanesGoFirstThenTheLongestWaiting() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    queue.request("p3", Priority.P3, 0);
    queue.request("p1-late", Priority.P1, 2);
    queue.request("p1-early", Priority.P1, 1);
    queue.request("p0", Priority.P0, 3);

    assertEquals(1, queue.position("p1-early", 4));
    assertEquals("p0", grantAndRelease(queue, 4));
    assertEquals("p1-early", grantAndRelease(queue, 4));
    assertEquals("p1-late", grantAndRelease(queue, 4));
    assertEquals("p3", grantAndRelease(queue, 4));
  }

  @Test
  void aWaitingLaneRisesOneLevelPerAgingIntervalSoP3IsNotStarved() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    queue.request("p3", Priority.P3, 0);
    long now = 0;
    // A steady stream of fresh P0 lanes: before 3 intervals they win, after it the P3 lane does.
    for (int i = 0; now < 3 * AGING; i++) {
      queue.request("p0-" + i, Priority.P0, now);
      assertEquals("p0-" + i, grantAndRelease(queue, now));
      now += AGING / 4;
    }
    queue.request("p0-last", Priority.P0, now);

    assertEquals("p3", grantAndRelease(queue, now), "after 3 aging intervals P3 ranks as P0");
  }

  @Test
  void aWithdrawnLaneIsNotGrantedAndARequeuedLaneKeepsItsWait() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    queue.request("a", Priority.P2, 0);
    queue.request("b", Priority.P2, 1);
    queue.request("c", Priority.P2, 2);

    assertTrue(queue.withdraw("b"));
    assertFalse(queue.withdraw("b"));
    queue.request("a", Priority.P2, 5); // the same lane asking again keeps its place

    assertEquals("a", grantAndRelease(queue, 6));
    assertEquals("c", grantAndRelease(queue, 6));
    assertNull(queue.grantNext(6));
  }

  @Test
  void aCapChangeAtRuntimeIsHonoured() {
    AdmissionQueue queue = new AdmissionQueue(1, AGING);
    queue.request("a", Priority.P2, 0);
    queue.request("b", Priority.P2, 1);
    assertEquals("a", queue.grantNext(2));
    assertNull(queue.grantNext(2));

    queue.setMaxInFlight(2);

    assertEquals("b", queue.grantNext(2));
    assertThrows(IllegalArgumentException.class, () -> queue.setMaxInFlight(0));
  }

  @Test
  void releasingWithoutAPermitIsABug() {
    assertThrows(IllegalStateException.class, () -> new AdmissionQueue(1, AGING).release());
  }

  private static String grantAndRelease(AdmissionQueue queue, long now) {
    String lane = queue.grantNext(now);
    queue.release(lane);
    return lane;
  }

  @Test
  void aParallelGroupRunsAtMostItsNAndTheOthersAreServedPastItsWaitingLanes() {
    AdmissionQueue queue = new AdmissionQueue(Integer.MAX_VALUE, AGING);
    queue.setGroupMax("bot", 2);
    for (int i = 0; i < 4; i++) {
      queue.request("bot/s" + i, Priority.P0, AdmissionQueue.SHARED, "bot", i);
    }
    queue.request("other", Priority.P3, 10);

    assertEquals("bot/s0", queue.grantNext(20));
    assertEquals("bot/s1", queue.grantNext(20));
    assertEquals("other", queue.grantNext(20), "the group is full: a later, lower lane goes");
    assertNull(queue.grantNext(20), "only the full group's lanes wait");
    assertEquals(2, queue.groupInFlight("bot"));

    queue.release("bot/s1");
    assertEquals("bot/s2", queue.grantNext(21), "a permit of the group came back");
    assertNull(queue.grantNext(21));
    assertEquals(2, queue.groupInFlight("bot"));
  }

  @Test
  void aLowerNStartsNothingOfTheGroupUntilFewerRunAndAHigherOneStartsMoreAtOnce() {
    AdmissionQueue queue = new AdmissionQueue(Integer.MAX_VALUE, AGING);
    queue.setGroupMax("bot", 3);
    for (int i = 0; i < 6; i++) {
      queue.request("bot/s" + i, Priority.P2, AdmissionQueue.SHARED, "bot", i);
    }
    for (int i = 0; i < 3; i++) {
      assertEquals("bot/s" + i, queue.grantNext(10));
    }

    queue.setGroupMax("bot", 1);
    queue.release("bot/s0");
    queue.release("bot/s1");
    assertNull(queue.grantNext(11), "one of the group still runs: N is 1 now");
    queue.release("bot/s2");
    assertEquals("bot/s3", queue.grantNext(12));

    queue.setGroupMax("bot", 3);
    assertEquals("bot/s4", queue.grantNext(13));
    assertEquals("bot/s5", queue.grantNext(13));
    assertEquals(3, queue.groupInFlight("bot"));
  }

  @Test
  void theGlobalCapBoundsAParallelGroupToo() {
    AdmissionQueue queue = new AdmissionQueue(2, AGING);
    queue.setGroupMax("bot", 4);
    for (int i = 0; i < 4; i++) {
      queue.request("bot/s" + i, Priority.P2, AdmissionQueue.SHARED, "bot", i);
    }

    assertEquals("bot/s0", queue.grantNext(10));
    assertEquals("bot/s1", queue.grantNext(10));
    assertNull(queue.grantNext(10), "the global cap is reached before the group's N");
  }

  @Test
  void aTenantWhoseOnlyLanesWaitForAFullGroupDoesNotTakeTheTurnOfAnother() {
    AdmissionQueue queue = new AdmissionQueue(Integer.MAX_VALUE, AGING);
    queue.setGroupMax("bot", 1);
    queue.request("bot/a0", Priority.P2, "A", "bot", 0);
    queue.request("bot/a1", Priority.P2, "A", "bot", 1);
    for (int i = 0; i < 3; i++) {
      queue.request("b" + i, Priority.P2, "B", 2 + i);
    }

    assertEquals("bot/a0", queue.grantNext(10));
    assertEquals(List.of("b0", "b1", "b2"), List.of(grant(queue), grant(queue), grant(queue)));
    queue.release("bot/a0");
    assertEquals("bot/a1", queue.grantNext(11));
  }

  private static String grant(AdmissionQueue queue) {
    return queue.grantNext(10);
  }
}
