package dev.parley.bench;

import dev.parley.runtime.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * (c) The alternative: the same events through a {@link KeyedSerialExecutor} drained on a fixed
 * pool of two threads, one {@link CompletableFuture} per event, every future observed.
 */
final class KeyedExecutorThroughput implements Workload {
  private final BenchSettings settings;
  private final Callers callers;
  private final String[] laneKeys;
  private final ExecutorService pool;
  private final KeyedSerialExecutor executor;

  KeyedExecutorThroughput(BenchSettings settings, Callers callers) {
    this.settings = settings;
    this.callers = callers;
    this.laneKeys = settings.laneKeys();
    this.pool = Executors.newFixedThreadPool(2, new DaemonThreads("bench-keyed"));
    this.executor = new KeyedSerialExecutor(pool);
  }

  @Override
  public long runRound() throws InterruptedException, ExecutionException, TimeoutException {
    int last = settings.eventsPerLane() - 1;
    Tally tally = new Tally(settings.lanes(), settings.eventsPerRound());
    BiConsumer<Reply, Throwable> counted = (reply, error) -> tally.record(error == null, false);
    BiConsumer<Reply, Throwable> lastOfLane = (reply, error) -> tally.record(error == null, true);
    long start = System.nanoTime();
    callers.run(
        settings.eventsPerLane(),
        (lane, event) ->
            executor
                .submit(laneKeys[lane], () -> CompletableFuture.completedFuture(Reply.empty()))
                .whenComplete(event == last ? lastOfLane : counted));
    tally.await(settings.roundTimeout(), "keyed serial executor");
    return System.nanoTime() - start;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
