package dev.parley.runtime.stats;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * One node's stats hub asking the others for their own update for a lane prefix and a number of
 * lanes (cluster mode), for a subscriber's filtered view: the summaries they publish show only
 * their top lanes. Each answers with a {@link NodeSummary}. Serialized with Jackson CBOR.
 *
 * @param from the asking node's address (it hears its own ask on the topic, and ignores it)
 */
public record NodeAsk(String from, String prefix, int top, ActorRef<NodeSummary> replyTo) {}
