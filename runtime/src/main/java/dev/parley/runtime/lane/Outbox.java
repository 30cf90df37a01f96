package dev.parley.runtime.lane;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what a lane tells the world (outcome futures, receipts, listeners, query replies) off the
 * lane's own message, in the order the lane produced it: one task at a time per lane on the
 * callback executor, each running everything queued so far. One per lane, kept across restarts.
 */
final class Outbox implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Executor executor;

  Outbox(Executor executor) {
    this.executor = executor;
  }

  /** Queues {@code callback}; it runs after {@link #flush}. Called by the lane only. */
  void add(Runnable callback) {
    queue.add(callback);
  }

  /** Hands what is queued to the executor, unless a task of this lane is on its way already. */
  void flush() {
    if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
      executor.execute(this);
    }
  }

  @Override
  public void run() {
    do {
      Runnable callback;
      while ((callback = queue.poll()) != null) {
        try {
          callback.run();
        } catch (RuntimeException e) {
          LOG.warn("an outcome callback failed", e);
        }
      }
      scheduled.set(false);
    } while (!queue.isEmpty() && scheduled.compareAndSet(false, true));
  }
}
