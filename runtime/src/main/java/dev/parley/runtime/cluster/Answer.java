package dev.parley.runtime.cluster;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What a lane tells the node its event was submitted through (cluster mode), by the submitter's
 * ticket; and how one node asks another about an event it does not know. Every node has one {@link
 * ClusterEdge} that takes them. Serialized with Jackson CBOR.
 */
public sealed interface Answer {

  /** The lane took the tracked event (or refused it after all): the submitter's entry settles. */
  record Settled(long ticket, String eventId, boolean accepted) implements Answer {}

  /** The event's receipt, for a submitter that waits for one. */
  record ReceiptOf(long ticket, Receipt receipt) implements Answer {}

  /** The event's one terminal outcome; {@code finished} is its final status when it is tracked. */
  record Ended(long ticket, Outcome outcome, EventStatus finished) implements Answer {}

  /** Which lane has the event with this id, as far as the asked node knows. */
  record Find(String eventId, ActorRef<Found> replyTo) implements Answer {}

  /**
   * Answer, once the event {@code eventId} registered here has ended, where it was and how it
   * ended; at once, when it has ended or is not known here.
   */
  record AwaitEnd(String eventId, ActorRef<Found> replyTo) implements Answer {}

  /**
   * Tell {@code watcher} of the events of {@code spaceId} that end on the asked node, for {@link
   * SpaceWatches#LEASE} (the watcher asks again before it runs out); answered {@link Watched}.
   */
  record Watch(String spaceId, ActorRef<Answer> watcher, ActorRef<Watched> replyTo)
      implements Answer {}

  /** {@code watcher} no longer watches {@code spaceId}. */
  record Unwatch(String spaceId, ActorRef<Answer> watcher) implements Answer {}

  /** An event of a space this node watches ended on another node. */
  record Streamed(dev.parley.runtime.FinishedEvent finished) implements Answer {}

  /** A {@link Watch} is in force. */
  record Watched(String spaceId) {}

  /** The edges of every node, as the receptionist lists them (a node's own message). */
  record Peers(java.util.Set<ActorRef<Answer>> edges) implements Answer {}

  /**
   * The answer to {@link Find}: {@code laneKey} null when the node does not know the event; {@code
   * finished} its final status once it has ended.
   */
  record Found(String eventId, String laneKey, EventStatus finished) {}
}
