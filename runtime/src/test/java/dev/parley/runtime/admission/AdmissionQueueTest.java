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
    queue.release();
    return lane;
  }
}
