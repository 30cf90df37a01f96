package dev.parley.runtime.internal;

import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.registry.EventRegistry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The facade's submits and look-ups by id: an event goes to the {@link Intake}; a duplicate is
 * answered from the first event, once its lane took it (a first event its lane refuses is replaced
 * by the duplicate); status and outcome come from the {@link EventRegistry}, or from the lane.
 */
public final class EventLookups {
  private final Intake intake;
  private final EventRegistry registry;
  private final LaneAsks asks;

  public EventLookups(Intake intake, EventRegistry registry, LaneAsks asks) {
    this.intake = intake;
    this.registry = registry;
    this.asks = asks;
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
    if (entry == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return status(entry);
  }

  private CompletionStage<Optional<EventStatus>> status(EventRegistry.Entry entry) {
    if (entry.finished() != null) {
      return CompletableFuture.completedFuture(Optional.of(entry.finished()));
    }
    return asks.status(entry);
  }

  public Optional<Event> event(String eventId) {
    return Optional.ofNullable(registry.find(eventId)).map(EventRegistry.Entry::event);
  }
}
