package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The queue logic of one lane, without actors. */
class LaneStateTest {

  /** The smallest item a lane can queue: it only needs an id. */
  private record Item(String id) {}

  private final LaneState<Item> lane = new LaneState<>(Item::id);

  private static final Item A = new Item("a");
  private static final Item B = new Item("b");
  private static final Item C = new Item("c");
  private static final Item D = new Item("d");

  private void enqueueAll(Item... items) {
    for (Item item : items) {
      lane.enqueue(item);
    }
  }

  private List<String> pendingIds() {
    return lane.pendingView().stream().map(Item::id).toList();
  }

  @Test
  void constructorRejectsNullIdFunction() {
    assertThrows(NullPointerException.class, () -> new LaneState<Item>(null));
  }

  @Nested
  class Enqueue {
    @Test
    void returnsPositionsZeroOneTwoInArrivalOrder() {
      assertEquals(0, lane.enqueue(A));
      assertEquals(1, lane.enqueue(B));
      assertEquals(2, lane.enqueue(C));
      assertEquals(List.of("a", "b", "c"), pendingIds());
    }

    @Test
    void positionCountsOnlyPendingItemsNotTheRunningOne() {
      lane.enqueue(A);
      lane.next();

      assertEquals(0, lane.enqueue(B));
      assertEquals(1, lane.enqueue(C));
    }

    @Test
    void rejectsNullItem() {
      assertThrows(NullPointerException.class, () -> lane.enqueue(null));
      assertTrue(lane.isIdle());
    }
  }

  @Nested
  class Next {
    @Test
    void startsItemsInFifoOrder() {
      enqueueAll(A, B, C);

      assertSame(A, lane.next());
      lane.complete();
      assertSame(B, lane.next());
      lane.complete();
      assertSame(C, lane.next());
      lane.complete();
      assertNull(lane.next());
    }

    @Test
    void returnsNullAndStaysNotBusyWhenNothingIsPending() {
      assertNull(lane.next());
      assertFalse(lane.isBusy());
      assertEquals(Optional.empty(), lane.running());
    }

    @Test
    void makesTheStartedItemRunningAndRemovesItFromPending() {
      enqueueAll(A, B);

      lane.next();

      assertEquals(Optional.of(A), lane.running());
      assertEquals(List.of("b"), pendingIds());
      assertEquals(1, lane.pendingCount());
    }

    @Test
    void throwsIllegalStateWhenAnItemIsAlreadyRunning() {
      enqueueAll(A, B);
      lane.next();

      IllegalStateException e = assertThrows(IllegalStateException.class, lane::next);

      assertTrue(e.getMessage().contains("a"), e.getMessage());
      assertEquals(Optional.of(A), lane.running());
      assertEquals(List.of("b"), pendingIds());
    }

    @Test
    void throwsIllegalStateWhenBusyEvenWithNothingPending() {
      lane.enqueue(A);
      lane.next();

      assertThrows(IllegalStateException.class, lane::next);
    }
  }

  @Nested
  class CompleteAndFail {
    @Test
    void completeReturnsTheRunningItemAndCountsIt() {
      lane.enqueue(A);
      lane.next();

      assertSame(A, lane.complete());

      assertEquals(1, lane.completedCount());
      assertEquals(0, lane.failedCount());
      assertFalse(lane.isBusy());
      assertEquals(Optional.empty(), lane.running());
    }

    @Test
    void failReturnsTheRunningItemAndCountsIt() {
      lane.enqueue(A);
      lane.next();

      assertSame(A, lane.fail());

      assertEquals(0, lane.completedCount());
      assertEquals(1, lane.failedCount());
      assertFalse(lane.isBusy());
    }

    @Test
    void countersAccumulateSeparately() {
      enqueueAll(A, B, C, D);
      lane.next();
      lane.complete();
      lane.next();
      lane.fail();
      lane.next();
      lane.complete();
      lane.next();
      lane.complete();

      assertEquals(3, lane.completedCount());
      assertEquals(1, lane.failedCount());
    }

    @Test
    void completeThrowsIllegalStateWhenNothingRuns() {
      assertThrows(IllegalStateException.class, lane::complete);
      assertEquals(0, lane.completedCount());
    }

    @Test
    void failThrowsIllegalStateWhenNothingRuns() {
      assertThrows(IllegalStateException.class, lane::fail);
      assertEquals(0, lane.failedCount());
    }

    @Test
    void completeThrowsWhenItemsArePendingButNoneWasStarted() {
      lane.enqueue(A);

      assertThrows(IllegalStateException.class, lane::complete);
      assertThrows(IllegalStateException.class, lane::fail);
      assertEquals(List.of("a"), pendingIds());
    }

    @Test
    void completingTwiceThrowsTheSecondTime() {
      lane.enqueue(A);
      lane.next();
      lane.complete();

      assertThrows(IllegalStateException.class, lane::complete);
      assertEquals(1, lane.completedCount());
    }
  }

  @Nested
  class Cancel {
    @Test
    void removesAPendingItemAndReturnsIt() {
      enqueueAll(A, B, C);

      assertEquals(Optional.of(B), lane.cancel("b"));

      assertEquals(List.of("a", "c"), pendingIds());
      assertEquals(-1, lane.position("b"));
    }

    @Test
    void doesNotCancelTheRunningItem() {
      enqueueAll(A, B);
      lane.next();

      assertEquals(Optional.empty(), lane.cancel("a"));

      assertEquals(Optional.of(A), lane.running());
      assertEquals(List.of("b"), pendingIds());
    }

    @Test
    void returnsEmptyForAnUnknownId() {
      enqueueAll(A, B);

      assertEquals(Optional.empty(), lane.cancel("zzz"));

      assertEquals(List.of("a", "b"), pendingIds());
    }

    @Test
    void returnsEmptyOnAnEmptyLane() {
      assertEquals(Optional.empty(), lane.cancel("a"));
    }

    @Test
    void returnsEmptyForAFinishedItem() {
      lane.enqueue(A);
      lane.next();
      lane.complete();

      assertEquals(Optional.empty(), lane.cancel("a"));
    }

    @Test
    void cancellingTheHeadMakesTheNextOneRunFirst() {
      enqueueAll(A, B);

      lane.cancel("a");

      assertSame(B, lane.next());
    }
  }

  @Nested
  class Move {
    @Test
    void movesAnItemToTheFront() {
      enqueueAll(A, B, C, D);

      assertTrue(lane.move("c", 0));

      assertEquals(List.of("c", "a", "b", "d"), pendingIds());
      assertSame(C, lane.next());
    }

    @Test
    void movesAnItemToTheBack() {
      enqueueAll(A, B, C, D);

      assertTrue(lane.move("a", 3));

      assertEquals(List.of("b", "c", "d", "a"), pendingIds());
    }

    @Test
    void movesAnItemToAMiddleIndex() {
      enqueueAll(A, B, C, D);

      assertTrue(lane.move("d", 1));

      assertEquals(List.of("a", "d", "b", "c"), pendingIds());
    }

    @Test
    void clampsAnIndexBeyondTheQueueToTheBack() {
      enqueueAll(A, B, C);

      assertTrue(lane.move("a", 99));

      assertEquals(List.of("b", "c", "a"), pendingIds());
    }

    @Test
    void clampsANegativeIndexToTheFront() {
      enqueueAll(A, B, C);

      assertTrue(lane.move("c", -5));

      assertEquals(List.of("c", "a", "b"), pendingIds());
    }

    @Test
    void movingToItsOwnPositionChangesNothing() {
      enqueueAll(A, B, C);

      assertTrue(lane.move("b", 1));

      assertEquals(List.of("a", "b", "c"), pendingIds());
    }

    @Test
    void returnsFalseAndChangesNothingForAnUnknownId() {
      enqueueAll(A, B, C);

      assertFalse(lane.move("zzz", 0));

      assertEquals(List.of("a", "b", "c"), pendingIds());
    }

    @Test
    void returnsFalseForTheRunningItem() {
      enqueueAll(A, B, C);
      lane.next();

      assertFalse(lane.move("a", 1));

      assertEquals(Optional.of(A), lane.running());
      assertEquals(List.of("b", "c"), pendingIds());
    }

    @Test
    void returnsFalseOnAnEmptyLane() {
      assertFalse(lane.move("a", 0));
      assertTrue(lane.isIdle());
    }

    @Test
    void keepsTheRelativeOrderOfTheOtherItems() {
      Item e = new Item("e");
      enqueueAll(A, B, C, D, e);

      lane.move("c", 0);
      lane.move("a", 4);

      assertEquals(List.of("c", "b", "d", "e", "a"), pendingIds());
      assertEquals(5, lane.pendingCount());
    }
  }

  @Nested
  class Position {
    @Test
    void isTheIndexAmongPendingItems() {
      enqueueAll(A, B, C);

      assertEquals(0, lane.position("a"));
      assertEquals(1, lane.position("b"));
      assertEquals(2, lane.position("c"));
    }

    @Test
    void isMinusOneForTheRunningItemAndShiftsTheOthers() {
      enqueueAll(A, B, C);
      lane.next();

      assertEquals(-1, lane.position("a"));
      assertEquals(0, lane.position("b"));
      assertEquals(1, lane.position("c"));
    }

    @Test
    void isMinusOneForAnUnknownId() {
      enqueueAll(A);

      assertEquals(-1, lane.position("zzz"));
    }

    @Test
    void isMinusOneForAFinishedItem() {
      enqueueAll(A, B);
      lane.next();
      lane.complete();
      lane.next();
      lane.fail();

      assertEquals(-1, lane.position("a"));
      assertEquals(-1, lane.position("b"));
    }

    @Test
    void followsAMove() {
      enqueueAll(A, B, C);

      lane.move("c", 0);

      assertEquals(0, lane.position("c"));
      assertEquals(1, lane.position("a"));
      assertEquals(2, lane.position("b"));
    }
  }

  @Nested
  class DrainPending {
    @Test
    void returnsEveryPendingItemInOrderAndEmptiesTheQueue() {
      enqueueAll(A, B, C);

      assertEquals(List.of(A, B, C), lane.drainPending());

      assertEquals(0, lane.pendingCount());
      assertEquals(List.of(), lane.pendingView());
      assertNull(lane.next());
      assertTrue(lane.isIdle());
    }

    @Test
    void leavesTheRunningItemRunning() {
      enqueueAll(A, B, C);
      lane.next();

      assertEquals(List.of(B, C), lane.drainPending());

      assertEquals(Optional.of(A), lane.running());
      assertTrue(lane.isBusy());
      assertFalse(lane.isIdle());
      assertSame(A, lane.complete());
    }

    @Test
    void returnsAnEmptyListOnAnEmptyLane() {
      assertEquals(List.of(), lane.drainPending());
    }

    @Test
    void theReturnedListIsNotBackedByTheQueue() {
      enqueueAll(A, B);
      List<Item> drained = lane.drainPending();

      lane.enqueue(C);

      assertEquals(List.of(A, B), drained);
      assertEquals(List.of("c"), pendingIds());
    }
  }

  @Nested
  class PendingView {
    @Test
    void listsPendingItemsInOrder() {
      enqueueAll(A, B, C);

      assertEquals(List.of(A, B, C), lane.pendingView());
    }

    @Test
    void isImmutable() {
      enqueueAll(A, B);
      List<Item> view = lane.pendingView();

      assertThrows(UnsupportedOperationException.class, () -> view.add(C));
      assertThrows(UnsupportedOperationException.class, () -> view.remove(0));
      assertThrows(UnsupportedOperationException.class, view::clear);
      assertEquals(2, lane.pendingCount());
    }

    @Test
    void isACopyUnaffectedByLaterChanges() {
      enqueueAll(A, B, C);
      List<Item> view = lane.pendingView();

      lane.enqueue(D);
      lane.move("c", 0);
      lane.cancel("b");
      lane.next();

      assertEquals(List.of(A, B, C), view);
    }
  }

  @Nested
  class Lifecycle {
    @Test
    void idleBusyAndPendingCountFollowAWholeLifecycle() {
      assertTrue(lane.isIdle());
      assertFalse(lane.isBusy());
      assertEquals(0, lane.pendingCount());

      enqueueAll(A, B);
      assertFalse(lane.isIdle());
      assertFalse(lane.isBusy());
      assertEquals(2, lane.pendingCount());

      lane.next();
      assertFalse(lane.isIdle());
      assertTrue(lane.isBusy());
      assertEquals(1, lane.pendingCount());

      lane.complete();
      assertFalse(lane.isIdle());
      assertFalse(lane.isBusy());
      assertEquals(1, lane.pendingCount());

      lane.next();
      assertFalse(lane.isIdle());
      assertTrue(lane.isBusy());
      assertEquals(0, lane.pendingCount());

      lane.fail();
      assertTrue(lane.isIdle());
      assertFalse(lane.isBusy());
      assertEquals(0, lane.pendingCount());
      assertEquals(1, lane.completedCount());
      assertEquals(1, lane.failedCount());

      assertNull(lane.next());
      assertTrue(lane.isIdle());
    }

    @Test
    void cancellingTheLastPendingItemMakesTheLaneIdle() {
      lane.enqueue(A);

      lane.cancel("a");

      assertTrue(lane.isIdle());
      assertEquals(0, lane.pendingCount());
    }

    @Test
    void aLaneCanBeReusedAfterItWentIdle() {
      lane.enqueue(A);
      lane.next();
      lane.complete();
      assertTrue(lane.isIdle());

      assertEquals(0, lane.enqueue(B));
      assertSame(B, lane.next());
      assertSame(B, lane.complete());
      assertEquals(2, lane.completedCount());
    }
  }
}
