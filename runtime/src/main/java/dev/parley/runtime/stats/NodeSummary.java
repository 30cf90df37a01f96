package dev.parley.runtime.stats;

/**
 * What one node's stats hub tells the others every {@code parley.monitor.interval} (cluster mode):
 * its own update, for all its lanes and showing its top {@code parley.monitor.top-lanes}, so that a
 * summary stays as small as an update however many lanes the node has. Serialized with Jackson
 * CBOR.
 *
 * @param node the node's address, {@code host:port}
 * @param update the node's own figures; its lanes carry {@code node}
 */
public record NodeSummary(String node, StateUpdate update) {}
