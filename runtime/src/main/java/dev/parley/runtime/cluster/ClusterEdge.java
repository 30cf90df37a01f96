package dev.parley.runtime.cluster;

import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.registry.Submissions;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * One node's edge in a cluster: where lanes on other nodes send the answers for events submitted
 * here (completing the submitters' futures and the registry's entries, as a lane of this node
 * would), and where other nodes ask which lane has an event this node accepted. Registered with the
 * receptionist under {@link #KEY}.
 */
public final class ClusterEdge {
  /** Every node's edge. */
  public static final ServiceKey<Answer> KEY = ServiceKey.create(Answer.class, "parley-edge");

  private ClusterEdge() {}

  private static Answer.Found found(EventRegistry.Entry entry, String eventId) {
    return entry == null
        ? new Answer.Found(eventId, null, null)
        : new Answer.Found(eventId, entry.event().laneKey(), entry.finished());
  }

  /**
   * @param peers told the edges of every node whenever they change
   */
  public static Behavior<Answer> create(
      Submissions submissions,
      EventRegistry registry,
      SpaceWatches watches,
      LongSupplier nanoClock,
      Consumer<Set<ActorRef<Answer>>> peers) {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
          ctx.getSystem()
              .receptionist()
              .tell(
                  Receptionist.subscribe(
                      KEY,
                      ctx.messageAdapter(
                          Receptionist.Listing.class,
                          listing -> new Answer.Peers(listing.getServiceInstances(KEY)))));
          return Behaviors.receive(Answer.class)
              .onMessage(
                  Answer.Peers.class,
                  listed -> {
                    peers.accept(Set.copyOf(listed.edges()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Settled.class,
                  settled -> {
                    EventRegistry.Entry entry = registry.find(settled.eventId());
                    if (entry != null) {
                      if (!settled.accepted()) {
                        registry.refused(entry.event()); // its id is free again
                      }
                      entry.settle(settled.accepted());
                    }
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.ReceiptOf.class,
                  receipt -> {
                    submissions.receipt(receipt.ticket(), receipt.receipt());
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Ended.class,
                  ended -> {
                    if (ended.finished() != null) { // before the outcome, as a lane here does
                      EventRegistry.Entry entry = registry.find(ended.finished().eventId());
                      if (entry != null && entry.finished() == null) {
                        registry.finished(entry.event(), ended.finished(), nanoClock.getAsLong());
                      }
                    }
                    submissions.outcome(ended.ticket(), ended.outcome());
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Find.class,
                  find -> {
                    find.replyTo().tell(found(registry.find(find.eventId()), find.eventId()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Watch.class,
                  watch -> {
                    watches.watched(watch.spaceId(), watch.watcher());
                    watch.replyTo().tell(new Answer.Watched(watch.spaceId()));
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Unwatch.class,
                  unwatch -> {
                    watches.unwatched(unwatch.spaceId(), unwatch.watcher());
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.Streamed.class,
                  streamed -> {
                    watches.streamed(streamed.finished());
                    return Behaviors.same();
                  })
              .onMessage(
                  Answer.AwaitEnd.class,
                  await -> {
                    EventRegistry.Entry entry = registry.find(await.eventId());
                    if (entry == null || entry.finished() != null) {
                      await.replyTo().tell(found(entry, await.eventId()));
                    } else { // its final status is in before its outcome completes
                      entry
                          .outcome()
                          .whenComplete(
                              (outcome, error) ->
                                  await.replyTo().tell(found(entry, await.eventId())));
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
