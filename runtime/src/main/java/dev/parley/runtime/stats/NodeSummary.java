package dev.parley.runtime.stats;

/**
 * What one node's stats hub tells the others every {@code parley.monitor.interval} (cluster mode):
 * its own update, for all its lanes and showing its top {@code parley.monitor.top-lanes} (at most
 * {@value #MAX_LANES}), so that a summary stays as small as an update however many lanes the node
 * has. Serialized with Jackson CBOR.
 *
 * @param node the node's address, {@code host:port}
 * @param update the node's own figures; its lanes carry {@code node}
 */
public record NodeSummary(String node, StateUpdate update) {
  /**
   * The most lanes a summary shows: so that a summary fits in one of Artery's frames ({@code
   * pekko.remote.artery.advanced.maximum-frame-size}, 256 KiB by default) even with the longest
   * lane keys and event ids (about 650 bytes a lane in CBOR then, 150 with short ones).
   */
  public static final int MAX_LANES = 250;

  /** The summary of {@code own}, its lanes cut to the first {@value #MAX_LANES}. */
  static NodeSummary of(String node, StateUpdate own) {
    StateUpdate.WorkerPool pool = own.workerPool();
    if (pool.lanes().size() <= MAX_LANES) {
      return new NodeSummary(node, own);
    }
    StateUpdate cut =
        new StateUpdate(
            own.ts(),
            own.queueLength(),
            own.isRunning(),
            new StateUpdate.WorkerPool(
                pool.totalWorkers(),
                pool.activeWorkers(),
                pool.byHealth(),
                pool.lanes().subList(0, MAX_LANES)),
            own.admission(),
            own.throughput(),
            own.latency(),
            own.totals(),
            own.deadLetters(),
            MAX_LANES,
            own.lanesTotal(),
            own.nodes());
    return new NodeSummary(node, cut);
  }
}
