package dev.parley.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the completions of one round without a contended counter: every completion adds to a
 * {@link LongAdder}, and the last completion of each lane counts a latch down. Lanes complete in
 * order, so when a lane's last completion is recorded all of that lane's earlier ones are too.
 */
final class Tally {
  private final long expected;
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final CountDownLatch lanesDone;

  /**
   * @param lanes how many lanes report their last completion
   * @param expected how many completions the round records in all
   */
  Tally(int lanes, long expected) {
    this.lanesDone = new CountDownLatch(lanes);
    this.expected = expected;
  }

  /** Records one completion; {@code lastOfLane} when it is its lane's last one in this round. */
  void record(boolean ok, boolean lastOfLane) {
    (ok ? succeeded : failed).increment();
    if (lastOfLane) {
      lanesDone.countDown();
    }
  }

  /**
   * Waits until every lane recorded its last completion.
   *
   * @throws TimeoutException when {@code timeout} passed first
   * @throws IllegalStateException when a completion failed or is missing
   */
  void await(Duration timeout, String what) throws InterruptedException, TimeoutException {
    if (!lanesDone.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(
          what
              + ": "
              + lanesDone.getCount()
              + " lanes not done after "
              + timeout
              + " ("
              + (succeeded.sum() + failed.sum())
              + " of "
              + expected
              + " completions)");
    }
    long ok = succeeded.sum();
    long bad = failed.sum();
    if (bad != 0 || ok != expected) {
      throw new IllegalStateException(
          what
              + ": expected "
              + expected
              + " successful completions, got "
              + ok
              + " and "
              + bad
              + " failures");
    }
  }
}
