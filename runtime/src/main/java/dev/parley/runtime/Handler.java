package dev.parley.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The application's code for one event. Parley calls it for one event of a lane at a time, in
 * order. It may return an already completed stage, complete the stage later on any thread, return a
 * failed stage, or throw: each of these ends only this event.
 */
@FunctionalInterface
public interface Handler {
  CompletionStage<Reply> handle(Event event, LaneContext lane) throws Exception;

  /**
   * Undoes what {@code interrupted} did, before the event that interrupted it runs (the {@link
   * DoubleTextPolicy#ROLLBACK} policy). Called at most once per interrupted event, on the lane's
   * handler. The default does nothing.
   */
  default CompletionStage<Void> onRollback(Event interrupted, LaneContext lane) throws Exception {
    return CompletableFuture.completedFuture(null);
  }
}
