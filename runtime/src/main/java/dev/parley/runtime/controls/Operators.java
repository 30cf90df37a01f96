package dev.parley.runtime.controls;

import dev.parley.runtime.Parley;
import dev.parley.runtime.internal.EventLookups;
import dev.parley.runtime.internal.LaneAsks;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LocalLanes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The operator controls behind {@code Parley}'s: cancel, move, pause and resume, emergency stop.
 */
public final class Operators {
  private final EventLookups lookups;
  private final Pauses pauses;
  private final LocalLanes lanes;
  private final LaneAsks asks;

  public Operators(EventLookups lookups, Pauses pauses, LocalLanes lanes, LaneAsks asks) {
    this.lookups = lookups;
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

  /** Asks the lane of a registered event that has not ended; false for any other. */
  private CompletionStage<Boolean> askLive(
      String eventId, Function<ActorRef<Boolean>, LaneCommand.Routed> query) {
    return lookups
        .liveLane(eventId)
        .thenCompose(
            lane ->
                lane.isPresent()
                    ? asks.ask(lane.get(), query, false, false)
                    : CompletableFuture.completedFuture(false));
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
  public CompletionStage<Parley.EmergencyStopReport> emergencyStop() {
    LaneCommand.Stopped none = new LaneCommand.Stopped(0, 0);
    List<CompletableFuture<LaneCommand.Stopped>> replies = new ArrayList<>();
    for (Lane lane : lanes.all()) {
      replies.add(
          asks.ask(lane.key(), LaneCommand.EmergencyStop::new, true, none).toCompletableFuture());
    }
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
        .thenApply(
            done ->
                new Parley.EmergencyStopReport(
                    replies.stream().mapToInt(r -> r.join().cancelled()).sum(),
                    replies.stream().mapToInt(r -> r.join().interrupted()).sum()));
  }
}
