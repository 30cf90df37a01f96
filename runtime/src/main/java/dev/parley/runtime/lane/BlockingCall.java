package dev.parley.runtime.lane;

import dev.parley.runtime.Reply;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * A blocking handler call on the blocking dispatcher whose {@link #cancel cancel(true)} interrupts
 * the thread running it, so a handler stuck in {@code sleep}, {@code wait} or blocking I/O gives
 * its thread back when Parley gives up on it.
 */
final class BlockingCall extends CompletableFuture<Reply> {
  private final FutureTask<Void> task;

  private BlockingCall(Supplier<CompletionStage<Reply>> body) {
    this.task =
        new FutureTask<>(
            () -> {
              body.get()
                  .whenComplete(
                      (reply, error) -> {
                        if (error != null) {
                          completeExceptionally(error);
                        } else {
                          complete(reply);
                        }
                      });
              return null;
            });
  }

  static CompletableFuture<Reply> start(Supplier<CompletionStage<Reply>> body, Executor executor) {
    BlockingCall call = new BlockingCall(body);
    try {
      executor.execute(call.task);
    } catch (RejectedExecutionException e) {
      call.completeExceptionally(e);
    }
    return call;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    task.cancel(mayInterruptIfRunning);
    return cancelled;
  }
}
