package dev.parley.runtime;

import java.util.concurrent.CompletionStage;

/**
 * The application's code for one event. Parley calls it for one event of a lane at a time, in
 * order. It may return an already completed stage, complete the stage later on any thread, return a
 * failed stage, or throw: each of these ends only this event.
 */
@FunctionalInterface
public interface Handler {
  CompletionStage<Reply> handle(Event event, LaneContext lane) throws Exception;
}
