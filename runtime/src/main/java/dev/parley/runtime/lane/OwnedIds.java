package dev.parley.runtime.lane;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.registry.EventRegistry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The ids a journaled lane owns (cluster mode): it refuses a second submit of an id it knows, and
 * answers the status of the events it ended lately, which its submitters' nodes may not have heard
 * of (a lost node's last answers).
 */
final class OwnedIds {
  private final LaneServices services;
  private final Outbox outbox;
  private final RecentlyEnded recent;

  OwnedIds(LaneServices services, Outbox outbox, RecentlyEnded recent) {
    this.services = services;
    this.outbox = outbox;
    this.recent = recent;
  }

  /**
   * Commands the shell answers itself: a duplicate submit in cluster mode, and the status of an
   * event the lane ended lately (whose submitter's node may not have heard of its end: a lost
   * node's last answers).
   */
  boolean answeredHere(LaneState state, LaneCommand command) {
    if (command instanceof LaneCommand.Submit submit) {
      return duplicate(state, submit.job());
    }
    if (command instanceof LaneCommand.GetStatus query && !state.has(query.eventId())) {
      Optional<EventStatus> ended = recent.status(query.eventId());
      if (ended.isPresent()) {
        outbox.add(() -> query.replyTo().tell(ended));
        return true;
      }
    }
    return false;
  }

  /**
   * Cluster mode: the lane owns its ids. An id it has pending, running or recently ended was
   * submitted before (perhaps through another node, or again after its node was lost): refused as a
   * duplicate, not run twice. A tracked event submitted through another node is registered here
   * too, where its lane decides (for look-ups and its final status); an id this node's registry
   * knows is a duplicate as well.
   */
  private boolean duplicate(LaneState state, Job job) {
    if (job.replyTo() == null || !job.tracked()) {
      return false;
    }
    OutcomeSink outcomes = services.outcomes();
    boolean known = knows(state, job.id());
    if (!known) {
      // Submitted here, its entry is this node's own, or gone (its receipt timed out meanwhile).
      EventRegistry.Entry first =
          services
              .registry()
              .register(new EventRegistry.Entry(job.event(), new CompletableFuture<>()));
      known = first != null && !outcomes.answersHere(job);
    }
    if (!known) {
      return false;
    }
    services.counters().accepted.decrement(); // counted when it reached this node
    services.counters().outstanding.decrement();
    services.counters().rejected.increment();
    if (outcomes.answersHere(job)
        && !state.holds(job.event())) { // its entry here is not the lane's
      EventRegistry.Entry entry = services.registry().refused(job.event());
      if (entry != null) {
        entry.settle(false);
      }
    }
    Receipt receipt = Receipt.rejected(job.event(), EventRegistry.DUPLICATE, 0);
    outbox.add( // off the lane's thread, with its other answers
        () -> {
          outcomes.receipt(job, receipt);
          outcomes.outcome(job, new Outcome.Rejected(job.id(), EventRegistry.DUPLICATE));
          outcomes.settled(job, false);
        });
    return true;
  }

  private boolean knows(LaneState state, String id) {
    return state.has(id) || recent.knows(id);
  }
}
