package dev.parley.runtime.controls;

import dev.parley.runtime.CancelReport;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Priority;
import dev.parley.runtime.internal.EventLookups;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.internal.LaneAsks;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LocalLanes;
import dev.parley.runtime.registry.EventRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The operator controls behind {@code Parley}'s: cancel (one, many, a lane's pending), move,
 * reorder, reprioritize, pause and resume, emergency stop.
 */
public final class Operators {
  private final EventLookups lookups;
  private final EventRegistry registry;
  private final Pauses pauses;
  private final LocalLanes lanes;
  private final LaneAsks asks;
  private final boolean parallelGroups; // parley.groups names some

  public Operators(
      EventLookups lookups,
      EventRegistry registry,
      Pauses pauses,
      LocalLanes lanes,
      LaneAsks asks,
      boolean parallelGroups) {
    this.parallelGroups = parallelGroups;
    this.lookups = lookups;
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

  /**
   * Cancels the pending events among {@code eventIds}: each lane is asked once, for its own; an id
   * whose event has ended here is reported without asking, one this node does not know is looked
   * for on the other nodes (cluster mode) and reported unknown when none has it live.
   */
  public CompletionStage<CancelReport> cancelAll(Collection<String> eventIds) {
    List<String> asked = List.copyOf(new LinkedHashSet<>(eventIds));
    Map<String, List<String>> byLane = new LinkedHashMap<>();
    List<CancelReport.NotCancelled> known = new ArrayList<>();
    Map<String, CompletableFuture<Optional<String>>> elsewhere = new LinkedHashMap<>();
    for (String id : asked) {
      EventRegistry.Entry entry = registry.find(id);
      if (entry == null) {
        elsewhere.put(id, lookups.liveLane(id).toCompletableFuture());
      } else if (entry.finished() != null) {
        known.add(new CancelReport.NotCancelled(id, CancelReport.FINISHED));
      } else {
        byLane.computeIfAbsent(entry.event().laneKey(), lane -> new ArrayList<>()).add(id);
      }
    }
    return CompletableFuture.allOf(elsewhere.values().toArray(CompletableFuture[]::new))
        .thenCompose(
            found -> {
              elsewhere.forEach(
                  (id, lane) ->
                      lane.join()
                          .ifPresentOrElse(
                              key -> byLane.computeIfAbsent(key, k -> new ArrayList<>()).add(id),
                              () ->
                                  known.add(
                                      new CancelReport.NotCancelled(id, CancelReport.UNKNOWN))));
              return cancelInLanes(asked, byLane, known);
            });
  }

  private CompletionStage<CancelReport> cancelInLanes(
      List<String> asked, Map<String, List<String>> byLane, List<CancelReport.NotCancelled> known) {
    List<CancelReport> reports = new ArrayList<>();
    reports.add(new CancelReport(List.of(), known));
    List<CompletableFuture<CancelReport>> replies = new ArrayList<>();
    byLane.forEach(
        (lane, ids) ->
            replies.add(
                asks.ask(
                        lane,
                        replyTo -> new LaneCommand.CancelMany(Optional.of(ids), replyTo),
                        false,
                        CancelReport.none())
                    .toCompletableFuture()));
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              replies.forEach(reply -> reports.add(reply.join()));
              return merge(asked, reports);
            });
  }

  /** The reports of several lanes as one, in the order of {@code asked}. */
  private static CancelReport merge(List<String> asked, List<CancelReport> reports) {
    Set<String> cancelled = new HashSet<>();
    Map<String, String> reasons = new HashMap<>();
    for (CancelReport report : reports) {
      cancelled.addAll(report.cancelled());
      report.notCancelled().forEach(refused -> reasons.put(refused.id(), refused.reason()));
    }
    return new CancelReport(
        asked.stream().filter(cancelled::contains).toList(),
        asked.stream()
            .filter(id -> !cancelled.contains(id))
            .map(
                id ->
                    new CancelReport.NotCancelled(
                        id, reasons.getOrDefault(id, CancelReport.FINISHED)))
            .toList());
  }

  /** Cancels every pending event of the lane {@code laneKey}, in one step of that lane. */
  public CompletionStage<CancelReport> cancelPending(String laneKey) {
    return asks.ask(
        laneKey,
        replyTo -> new LaneCommand.CancelMany(Optional.empty(), replyTo),
        true,
        CancelReport.none());
  }

  /**
   * Has the lane {@code laneKey} run the pending {@code eventIds} first, in this order; completes
   * with those of them not pending there (then nothing moved).
   */
  public CompletionStage<List<String>> reorder(String laneKey, List<String> eventIds) {
    List<String> ids = List.copyOf(eventIds);
    return asks.ask(
            laneKey,
            replyTo -> new LaneCommand.Reorder(ids, replyTo),
            true,
            new LaneCommand.NotReordered(ids))
        .thenApply(LaneCommand.NotReordered::eventIds);
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
    nudge(laneKey); // so that its worker shows it paused
    return paused;
  }

  public boolean resume(String laneKey) {
    boolean resumed = pauses.resume(laneKey);
    nudge(laneKey);
    return resumed;
  }

  /**
   * Nudges the lane {@code key} and, as a pause of a group or a space holds a parallel group's
   * space lanes too ({@link Pauses#isPaused}), the live lanes {@code key/…} and {@code …/key};
   * every live lane for {@link Pauses#ALL}.
   */
  public void nudge(String key) {
    if (key.equals(Pauses.ALL)) {
      lanes.deliverToLive(LaneCommand.Nudge.INSTANCE);
      return;
    }
    lanes.deliverIfLive(key, LaneCommand.Nudge.INSTANCE);
    if (!parallelGroups) {
      return;
    }
    for (Lane lane : lanes.all()) {
      String group = GroupLanes.groupOf(lane.key());
      if (group != null && (group.equals(key) || GroupLanes.spaceOf(lane.key()).equals(key))) {
        lanes.deliverIfLive(lane.key(), LaneCommand.Nudge.INSTANCE);
      }
    }
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
