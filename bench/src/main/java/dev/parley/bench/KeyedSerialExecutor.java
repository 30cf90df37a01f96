package dev.parley.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What a Java developer writes instead of Parley: per key a lock-free queue and a "scheduled" flag;
 * a key's queue is drained by one task at a time on a shared executor, so work of one key runs in
 * submission order and keys run in parallel. Work may return a stage that completes later: the key
 * then waits for it before its next task.
 */
final class KeyedSerialExecutor {
  private final ConcurrentHashMap<String, KeyQueue> queues = new ConcurrentHashMap<>();
  private final Executor executor;

  KeyedSerialExecutor(Executor executor) {
    this.executor = executor;
  }

  /** Runs {@code work} after every task submitted earlier for {@code key}; completes with it. */
  <T> CompletableFuture<T> submit(String key, Supplier<? extends CompletionStage<T>> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    queues.computeIfAbsent(key, k -> new KeyQueue()).add(new Task<>(work, result));
    return result;
  }

  private record Task<T>(Supplier<? extends CompletionStage<T>> work, CompletableFuture<T> result) {

    /** Starts the work and returns its stage, which also completes {@link #result}. */
    CompletionStage<T> start() {
      CompletionStage<T> stage;
      try {
        stage = work.get();
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      if (stage instanceof CompletableFuture<T> done && done.isDone()) {
        done.whenComplete(this::complete); // runs at once
      } else {
        stage.whenComplete(this::complete);
      }
      return stage;
    }

    private void complete(T value, Throwable error) {
      if (error == null) {
        result.complete(value);
      } else {
        result.completeExceptionally(error);
      }
    }
  }

  /** One key's queue; the drain task is scheduled at most once at a time. */
  private final class KeyQueue implements Runnable {
    private final ConcurrentLinkedQueue<Task<?>> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    void add(Task<?> task) {
      tasks.add(task);
      schedule();
    }

    private void schedule() {
      if (scheduled.compareAndSet(false, true)) {
        executor.execute(this);
      }
    }

    @Override
    public void run() {
      Task<?> task;
      while ((task = tasks.poll()) != null) {
        CompletionStage<?> stage = task.start();
        if (!(stage instanceof CompletableFuture<?> future && future.isDone())) {
          stage.whenComplete((value, error) -> executor.execute(this)); // still scheduled
          return;
        }
      }
      scheduled.set(false);
      if (!tasks.isEmpty()) {
        schedule(); // a task was added after the last poll but saw the flag still set
      }
    }
  }
}
