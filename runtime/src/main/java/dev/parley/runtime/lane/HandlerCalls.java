package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.Reply;
import dev.parley.runtime.internal.LaneLogger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls into the application's handler: whatever it throws or returns becomes a stage, and a
 * blocking handler (and its rollback) runs on the blocking executor, never on the lane's thread.
 */
final class HandlerCalls {
  private static final Logger HANDLER_LOG = LoggerFactory.getLogger(Handler.class);

  private HandlerCalls() {}

  static CompletionStage<Reply> handle(
      Handler handler, Event event, Context context, Executor blocking) {
    if (blocking != null) {
      return BlockingCall.start(() -> call(handler, event, context), blocking);
    }
    return call(handler, event, context);
  }

  static CompletionStage<Void> rollback(
      Handler handler, Event event, Context context, Executor blocking) {
    if (blocking != null) {
      return CompletableFuture.supplyAsync(() -> rollback(handler, event, context), blocking)
          .thenCompose(stage -> stage);
    }
    return rollback(handler, event, context);
  }

  private static CompletionStage<Reply> call(Handler handler, Event event, LaneContext context) {
    try {
      CompletionStage<Reply> stage = handler.handle(event, context);
      if (stage == null) {
        return CompletableFuture.failedFuture(
            new NullPointerException("handler returned null instead of a CompletionStage"));
      }
      return stage;
    } catch (Exception error) {
      return CompletableFuture.failedFuture(error);
    }
  }

  private static CompletionStage<Void> rollback(Handler handler, Event event, LaneContext context) {
    try {
      CompletionStage<Void> undo = handler.onRollback(event, context);
      return undo == null ? CompletableFuture.completedFuture(null) : undo;
    } catch (Exception error) {
      return CompletableFuture.failedFuture(error);
    }
  }

  /** The handler's view of one attempt. */
  static final class Context implements LaneContext {
    private final String laneKey;
    private final Event event;
    private final int attempt;
    private final boolean redelivered;
    private volatile boolean cancelled;
    private Logger log;

    Context(String laneKey, Attempt attempt) {
      this.laneKey = laneKey;
      this.event = attempt.handled();
      this.attempt = attempt.number();
      this.redelivered = attempt.redelivered();
    }

    void cancel() {
      cancelled = true;
    }

    @Override
    public String laneKey() {
      return laneKey;
    }

    @Override
    public String spaceId() {
      return event.spaceId();
    }

    @Override
    public int attempt() {
      return attempt;
    }

    @Override
    public boolean redelivered() {
      return redelivered;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public Logger log() {
      if (log == null) {
        log = new LaneLogger(HANDLER_LOG, laneKey, event.id());
      }
      return log;
    }
  }
}
