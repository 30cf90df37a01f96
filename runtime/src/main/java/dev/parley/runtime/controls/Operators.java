package dev.parley.runtime.controls;

import dev.parley.runtime.Priority;
import dev.parley.runtime.internal.LaneAsks;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LocalLanes;
import dev.parley.runtime.registry.EventRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The operator controls behind {@code Parley}'s: cancel, move, reprioritize, pause and resume,
 * emergency stop.
 */
public final class Operators {
  private final EventRegistry registry;
  private final Pauses pauses;
  private final LocalLanes lanes;
  private final LaneAsks asks;

  public Operators(EventRegistry registry, Pauses pauses, LocalLanes lanes, LaneAsks asks) {
    this.registry = registry;
    this.pauses = pauses;
    this.lanes = lanes;
    this.asks = asks;
  }

  public CompletionStage<Boolean> cancel(String eventId) {
    return askLive(eventId, replyTo -> new LaneCommand.Cancel(eventId, replyTo));
  }

  public CompletionStage<Boolean> move(String eventId, int newIndex) {
    return askLive(eventId, replyTo -> new LaneCommand.Move(eventId, newIndex, replyTo));
  }

  public CompletionStage<Boolean> reprioritize(String eventId, Priority priority) {
    Objects.requireNonNull(priority, "priority");
    return askLive(eventId, replyTo -> new LaneCommand.Reprioritize(eventId, priority, replyTo));
  }

  /** Asks the lane of a registered event that has not ended; false for any other. */
  private CompletionStage<Boolean> askLive(
      String eventId, Function<ActorRef<Boolean>, LaneCommand.Routed> query) {
    EventRegistry.Entry entry = registry.find(eventId);
    if (entry == null || entry.finished() != null) {
      return CompletableFuture.completedFuture(false);
    }
    return asks.ask(entry.event().laneKey(), query, false, false);
  }

  public boolean pause(String laneKey) {
    boolean paused = pauses.pause(laneKey);
    lanes.deliverIfLive(laneKey, LaneCommand.Nudge.INSTANCE); // so that its worker shows it paused
    return paused;
  }

  public boolean resume(String laneKey) {
    boolean resumed = pauses.resume(laneKey);
    lanes.deliverIfLive(laneKey, LaneCommand.Nudge.INSTANCE);
    return resumed;
  }

  public void pauseAll() {
    pauses.pauseAll();
    lanes.deliverToLive(LaneCommand.Nudge.INSTANCE);
  }

  public void resumeAll() {
    pauses.resumeAll();
    lanes.deliverToLive(LaneCommand.Nudge.INSTANCE);
  }

  /** Stops every live lane; completes with the sums of what they cancelled and interrupted. */
  public CompletionStage<LaneCommand.Stopped> emergencyStop() {
    LaneCommand.Stopped none = new LaneCommand.Stopped(0, 0);
    List<CompletableFuture<LaneCommand.Stopped>> replies = new ArrayList<>();
    for (Lane lane : lanes.all()) {
      replies.add(
          asks.ask(lane.key(), LaneCommand.EmergencyStop::new, true, none).toCompletableFuture());
    }
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new LaneCommand.Stopped(
                    replies.stream().mapToInt(r -> r.join().cancelled()).sum(),
                    replies.stream().mapToInt(r -> r.join().interrupted()).sum()));
  }
}
