package dev.parley.runtime.lane;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.registry.EventRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The lane's recently ended events, so that their status stays answerable and their ids stay known
 * (dedup) after a restart: learnt from the outcomes the lane delivers, from what recovery replays,
 * and from its snapshot, which holds them. The newest {@value #LIMIT}; the registry's own bounds
 * (and the dedup window, counted from the restart) apply on top.
 */
final class RecentlyEnded {
  static final int LIMIT = 1_000;

  private final EventRegistry registry;
  private final Map<String, LaneSnapshot.Ended> ended =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LaneSnapshot.Ended> eldest) {
          return size() > LIMIT;
        }
      };

  RecentlyEnded(EventRegistry registry) {
    this.registry = registry;
  }

  /** Applies a replayed event to {@code state}, noting the events it ends. */
  void replay(LaneState state, LaneEvent event) {
    if (event instanceof LaneEvent.Ended end) {
      Attempt attempt =
          state.rollback() != null && state.rollback().id().equals(end.eventId())
              ? state.rollback()
              : state.running();
      for (Job member : attempt.members()) {
        Outcome own =
            member == attempt.head()
                ? end.outcome()
                : Outcomes.forEvent(end.outcome(), member.id());
        add(member, own, attempt.number(), attempt.redelivered());
      }
    } else if (event instanceof LaneEvent.Cancelled cancelled) {
      for (Job job : state.pending()) {
        if (cancelled.eventIds().contains(job.id())) {
          add(job, new Outcome.Cancelled(job.id(), cancelled.reason()), 0, false);
        }
      }
    }
    state.apply(event);
  }

  /** Notes the outcomes a decision delivers. */
  void delivered(Decision decision) {
    for (dev.parley.runtime.lane.Effect effect : decision.effects()) {
      if (effect instanceof dev.parley.runtime.lane.Effect.Deliver deliver) {
        add(deliver.job(), deliver.outcome(), deliver.attempts(), deliver.redelivered());
      }
    }
  }

  private void add(Job job, Outcome outcome, int attempts, boolean redelivered) {
    if (job.tracked()) {
      ended.remove(job.id());
      ended.put(job.id(), new LaneSnapshot.Ended(job.event(), outcome, attempts, redelivered));
    }
  }

  boolean knows(String id) {
    return ended.containsKey(id);
  }

  List<LaneSnapshot.Ended> list() {
    return List.copyOf(ended.values());
  }

  void restore(List<LaneSnapshot.Ended> snapshot) {
    ended.clear();
    snapshot.forEach(end -> ended.put(end.event().id(), end));
  }

  /**
   * Registers what ended; an entry this JVM has already is finished too, unless it is (the lane was
   * only passivated, or its submit came through here and the lost node could not answer it).
   */
  void register(long nowNanos) {
    for (LaneSnapshot.Ended end : ended.values()) {
      EventRegistry.Entry known =
          registry.register(
              new EventRegistry.Entry(
                  end.event(), CompletableFuture.completedFuture(end.outcome())));
      Event event = known == null ? end.event() : known.event();
      if (known == null || known.finished() == null) {
        registry.finished(event, status(end), nowNanos);
      }
    }
  }

  /** The final status of a recently ended event, when the lane knows it. */
  Optional<EventStatus> status(String id) {
    return Optional.ofNullable(ended.get(id)).map(RecentlyEnded::status);
  }

  private static EventStatus status(LaneSnapshot.Ended end) {
    return EventStatus.finished(
        end.event(), end.attempts(), -1, -1, end.outcome(), end.redelivered());
  }
}
