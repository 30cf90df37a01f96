package dev.parley.runtime.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.parley.runtime.WorkerHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A lane's figures are written in place by its worker: a reader sees one publish, never a mix. */
class LaneFiguresTest {
  @Test
  void aNewLaneShowsStartingAndNothingElse() {
    assertEquals(
        new LaneFigures(0, WorkerHealth.STARTING, null, 0, 0, 0, 0, Double.NaN),
        new Lane("a").figures());
  }

  @Test
  void aReaderSeesTheLastPublishWhole() {
    Lane lane = new Lane("a");
    lane.publish(3, WorkerHealth.BUSY, "e1", 42, 7, 1, 2, 12.5);

    assertEquals(new LaneFigures(3, WorkerHealth.BUSY, "e1", 42, 7, 1, 2, 12.5), lane.figures());
  }

  @Test
  void readersWhileTheWorkerPublishesNeverSeeTwoPublishesMixed() throws Exception {
    Lane lane = new Lane("a");
    int publishes = 2_000_000;
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch readersStarted = new CountDownLatch(2);
    List<String> mixed = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Thread reader =
          new Thread(
              () -> {
                readersStarted.countDown();
                long last = -1;
                while (!done.get()) {
                  LaneFigures f = lane.figures();
                  long n = f.completed();
                  // every field of publish n is derived from n: a mix of two publishes differs
                  boolean whole =
                      n == 0
                          ? f.equals(new Lane("b").figures())
                          : f.failed() == n
                              && f.deadlineNanos() == -n
                              && f.pending() == (int) (n % 1000)
                              && f.restarts() == (int) (n % 7)
                              && f.averageMs() == n / 2.0
                              && String.valueOf(n).equals(f.runningId());
                  if (!whole || n < last) {
                    mixed.add(f + " after " + last);
                  }
                  last = n;
                }
              });
      reader.start();
      readers.add(reader);
    }
    readersStarted.await();
    for (long n = 1; n <= publishes; n++) {
      lane.publish(
          (int) (n % 1000), WorkerHealth.BUSY, String.valueOf(n), -n, n, n, (int) (n % 7), n / 2.0);
    }
    done.set(true);
    for (Thread reader : readers) {
      reader.join();
    }

    assertEquals(List.of(), mixed);
    assertEquals(publishes, lane.figures().completed());
    assertNull(new Lane("b").figures().runningId());
  }
}
