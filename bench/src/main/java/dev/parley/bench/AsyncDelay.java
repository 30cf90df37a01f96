package dev.parley.bench;

import dev.parley.runtime.Reply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a remote call: a stage that a timer thread completes after a fixed delay. No
 * thread sleeps or waits for it, so 10,000 of them in flight cost 10,000 timer entries.
 */
final class AsyncDelay implements AutoCloseable {
  private final long delayNanos;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreads("bench-timer"));

  AsyncDelay(Duration delay) {
    this.delayNanos = delay.toNanos();
  }

  /** A reply that arrives after the delay. */
  CompletableFuture<Reply> reply() {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    timer.schedule(() -> reply.complete(Reply.empty()), delayNanos, TimeUnit.NANOSECONDS);
    return reply;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
