package dev.parley.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The submitting threads, shared by every measurement so each one sees the same load: lanes are
 * split between the callers (lane {@code i} belongs to caller {@code i % callers}), and each caller
 * interleaves its lanes round-robin, sending event {@code k} of every lane before event {@code
 * k+1}.
 */
final class Callers implements AutoCloseable {

  /** Sends event number {@code event} (from 0) of lane number {@code lane}. */
  @FunctionalInterface
  interface Send {
    void send(int lane, int event);
  }

  private final int callers;
  private final int lanes;
  private final Duration timeout;
  private final ExecutorService pool;

  Callers(BenchSettings settings) {
    this(settings, settings.callers());
  }

  /** As many submitting threads as {@code callers}, whatever {@code bench.callers} says. */
  Callers(BenchSettings settings, int callers) {
    this.callers = callers;
    this.lanes = settings.lanes();
    this.timeout = settings.roundTimeout();
    this.pool = Executors.newFixedThreadPool(callers, new DaemonThreads("bench-caller"));
  }

  /** Sends {@code eventsPerLane} events to every lane and returns when all were sent. */
  void run(int eventsPerLane, Send send)
      throws InterruptedException, ExecutionException, TimeoutException {
    CompletableFuture<?>[] running = new CompletableFuture<?>[callers];
    for (int caller = 0; caller < callers; caller++) {
      int first = caller;
      running[caller] = CompletableFuture.runAsync(() -> sendAll(first, eventsPerLane, send), pool);
    }
    CompletableFuture.allOf(running).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void sendAll(int firstLane, int eventsPerLane, Send send) {
    for (int event = 0; event < eventsPerLane; event++) {
      for (int lane = firstLane; lane < lanes; lane += callers) {
        send.send(lane, event);
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
