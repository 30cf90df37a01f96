package dev.parley.runtime.controls;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.GroupView;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.GroupLanes;
import dev.parley.runtime.internal.LaneAsks;
import dev.parley.runtime.lane.Lane;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.lane.LocalLanes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The parallel groups named in {@code parley.groups}: how many events each may run at once (its
 * permits are {@link Admission}'s), changed at runtime by {@code Parley.groupParallelism}, and each
 * one's view over its spaces' lanes. Which groups are parallel is fixed at start: the lanes of a
 * group's spaces ({@code group/space}) are its layout, and a running runtime keeps it.
 */
public final class ParallelGroups {
  private final Map<String, Integer> maxParallel;
  private final Pauses pauses;
  private final LocalLanes lanes;
  private final LaneAsks asks;
  private final ActorRef<Admission.Command> admission;

  public ParallelGroups(
      Map<String, Integer> declared,
      Pauses pauses,
      LocalLanes lanes,
      LaneAsks asks,
      ActorRef<Admission.Command> admission) {
    this.maxParallel = new ConcurrentHashMap<>(declared);
    this.pauses = pauses;
    this.lanes = lanes;
    this.asks = asks;
    this.admission = admission;
  }

  /**
   * Lets {@code group} run {@code n} events at once from now on; with a lower N, running events
   * finish and the next starts once fewer than N run.
   *
   * @throws IllegalArgumentException when {@code n} is below 1 or {@code group} is not a parallel
   *     group
   */
  public void set(String group, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n: must be at least 1, got " + n);
    }
    requireParallel(group);
    maxParallel.put(group, n);
    admission.tell(new Admission.SetGroupParallelism(group, n));
  }

  /** The group's view: its running and pending events over its spaces' live lanes. */
  public CompletionStage<GroupView> view(String group) {
    int n = requireParallel(group);
    LaneView none = LaneView.notLive(group, false);
    List<CompletableFuture<LaneView>> asked = new ArrayList<>();
    for (Lane lane : lanes.all()) {
      if (group.equals(GroupLanes.groupOf(lane.key()))) {
        asked.add(
            asks.ask(lane.key(), LaneCommand.GetLaneView::new, true, none).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              List<LaneView> views =
                  asked.stream()
                      .map(CompletableFuture::join)
                      .filter(LaneView::live)
                      .sorted(Comparator.comparing(LaneView::laneKey))
                      .toList();
              List<EventStatus> running = new ArrayList<>();
              List<EventStatus> pending = new ArrayList<>();
              for (LaneView view : views) {
                view.running().ifPresent(running::add);
                pending.addAll(view.pending());
              }
              return new GroupView(
                  group, n, pauses.isPaused(group), running, pending, views.size());
            });
  }

  private int requireParallel(String group) {
    Integer n = group == null ? null : maxParallel.get(group);
    if (n == null) {
      throw new IllegalArgumentException(
          "group: \""
              + group
              + "\" is not a parallel group; name it in parley.groups with its max-parallel"
              + " (which groups are parallel is fixed at start)");
    }
    return n;
  }
}
