package dev.parley.runtime.internal;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.cluster.Answer;
import dev.parley.runtime.cluster.ClusterOutcomes;
import dev.parley.runtime.lane.LaneCommand;
import dev.parley.runtime.registry.EventRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The facade's submits and look-ups by id: an event goes to the {@link Intake}; a duplicate is
 * answered from the first event, once its lane took it (a first event its lane refuses is replaced
 * by the duplicate); status and outcome come from the {@link EventRegistry}, or from the lane. In
 * cluster mode, an event submitted through another node is asked of the other nodes, then of its
 * lane.
 */
public final class EventLookups {
  private final Intake intake;
  private final EventRegistry registry;
  private final LaneAsks asks;
  private final ClusterOutcomes cluster; // cluster mode: other nodes know the events sent there

  public EventLookups(
      Intake intake, EventRegistry registry, LaneAsks asks, ClusterOutcomes cluster) {
    this.intake = intake;
    this.registry = registry;
    this.asks = asks;
    this.cluster = cluster;
  }

  /** {@link Parley#submit}; {@code tracked} for an event whose id its caller gave. */
  public CompletionStage<Outcome> submit(Event event, boolean tracked) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    EventRegistry.Entry first = intake.accept(event, outcome, null, tracked);
    if (first == null) {
      return outcome;
    }
    if (first.settled().getNow(false)) {
      return first.outcome();
    }
    // Its lane may still refuse the first one: then this one is submitted in its place.
    return first
        .settled()
        .thenCompose(accepted -> accepted ? first.outcome() : submit(event, true));
  }

  /** {@link Parley#admit}. */
  public CompletionStage<Parley.Admitted> admit(Event event) {
    CompletableFuture<Receipt> receipt = new CompletableFuture<>();
    EventRegistry.Entry first = intake.accept(event, new CompletableFuture<>(), receipt, true);
    if (first == null) {
      return receipt.thenApply(r -> new Parley.Admitted(r, Optional.empty()));
    }
    return first.settled().thenCompose(accepted -> accepted ? duplicate(first) : admit(event));
  }

  private CompletionStage<Parley.Admitted> duplicate(EventRegistry.Entry first) {
    return status(first)
        .thenApply(status -> new Parley.Admitted(Receipt.duplicate(first.event(), status), status));
  }

  /**
   * Submits a dead letter's event again: a redrive is meant to run again, so it is not a duplicate,
   * and it is tracked whatever its id, so that it can be looked up where it was before.
   */
  public CompletionStage<Outcome> redrive(Event event) {
    registry.forget(event.id());
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    EventRegistry.Entry first = intake.accept(event, outcome, null, true);
    return first != null ? first.outcome() : outcome;
  }

  public Optional<CompletionStage<Outcome>> outcome(String eventId) {
    return Optional.ofNullable(registry.find(eventId)).map(EventRegistry.Entry::outcome);
  }

  public CompletionStage<Optional<EventStatus>> status(String eventId) {
    EventRegistry.Entry entry = registry.find(eventId);
    if (entry != null) {
      return status(entry);
    }
    return elsewhere(eventId)
        .thenCompose(
            found -> {
              if (found.finished() != null || found.laneKey() == null) {
                return CompletableFuture.completedFuture(Optional.ofNullable(found.finished()));
              }
              return asks.ask(
                  found.laneKey(),
                  replyTo -> new LaneCommand.GetStatus(eventId, replyTo),
                  false,
                  Optional.<EventStatus>empty());
            });
  }

  /**
   * {@link #status(String)}, then, for an event none of that knows, the lane {@code laneKey} if it
   * is live (in cluster mode, wherever it is): it knows its pending and running events and, when
   * journaled, its newest ended ones.
   */
  public CompletionStage<Optional<EventStatus>> status(String laneKey, String eventId) {
    return status(eventId)
        .thenCompose(
            known ->
                known.isPresent()
                    ? CompletableFuture.completedFuture(known)
                    : asks.ask(
                        laneKey,
                        replyTo -> new LaneCommand.GetStatus(eventId, replyTo),
                        true,
                        Optional.<EventStatus>empty()));
  }

  /**
   * The lane of an event that has not ended, wherever it was submitted; empty for an event that
   * ended or that no node knows.
   */
  public CompletionStage<Optional<String>> liveLane(String eventId) {
    EventRegistry.Entry entry = registry.find(eventId);
    if (entry != null) {
      return CompletableFuture.completedFuture(
          Optional.ofNullable(entry.finished() == null ? entry.event().laneKey() : null));
    }
    return elsewhere(eventId)
        .thenApply(found -> Optional.ofNullable(found.finished() == null ? found.laneKey() : null));
  }

  /** What the other nodes of a cluster know of an event this node does not. */
  private CompletionStage<Answer.Found> elsewhere(String eventId) {
    if (cluster == null) {
      return CompletableFuture.completedFuture(new Answer.Found(eventId, null, null));
    }
    return asks.find(cluster, eventId);
  }

  private CompletionStage<Optional<EventStatus>> status(EventRegistry.Entry entry) {
    if (entry.finished() != null) {
      return CompletableFuture.completedFuture(Optional.of(entry.finished()));
    }
    return asks.status(entry);
  }

  /**
   * True once the event {@code eventId} has ended, wherever it was submitted; false when it has not
   * within {@code within}, or no node knows it.
   */
  public CompletionStage<Boolean> awaitEnd(String eventId, Duration within) {
    EventRegistry.Entry entry = registry.find(eventId);
    if (entry != null) {
      return entry
          .outcome()
          .thenApply(outcome -> true)
          .completeOnTimeout(false, within.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (cluster == null) {
      return CompletableFuture.completedFuture(false);
    }
    return asks.awaitEnd(cluster, eventId, within).thenApply(found -> found.finished() != null);
  }

  public Optional<Event> event(String eventId) {
    return Optional.ofNullable(registry.find(eventId)).map(EventRegistry.Entry::event);
  }
}
