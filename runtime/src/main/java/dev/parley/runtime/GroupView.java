package dev.parley.runtime;

import java.util.List;

/**
 * A parallel group ({@code parley.groups."<name>".max-parallel}) as an operator sees it ({@link
 * Parley#group}): its permits, and the events of its spaces' live lanes on this node.
 *
 * @param group the group
 * @param maxParallel how many of its events may run at once now
 * @param paused whether an operator paused the group (or everything)
 * @param running its running events, at most {@code maxParallel} (after a lower N was set, those
 *     that had started finish first), one per space
 * @param pending its spaces' pending events: each space's in the order they will run, spaces by id
 * @param liveLanes its spaces with a live lane
 */
public record GroupView(
    String group,
    int maxParallel,
    boolean paused,
    List<EventStatus> running,
    List<EventStatus> pending,
    int liveLanes) {

  public GroupView {
    running = List.copyOf(running);
    pending = List.copyOf(pending);
  }
}
