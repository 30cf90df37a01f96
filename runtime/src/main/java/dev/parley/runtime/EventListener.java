package dev.parley.runtime;

/**
 * Told of every accepted event when it ends, whatever its outcome ({@link ParleyBuilder#listener}).
 * Events refused at submit never reach a lane and are not reported.
 *
 * <p>It is called on the thread of the event's worker, after the event's outcome is decided and
 * before its outcome stage completes: it must return quickly and never block (hand the work to a
 * queue or a stream). An exception it throws is logged and does not affect the event.
 */
@FunctionalInterface
public interface EventListener {
  void onFinished(FinishedEvent finished);

  /**
   * Cluster mode: whether this listener also hears the events of the spaces this node watches
   * ({@link Parley#watchSpace}) that end on other nodes; by default it hears this node's only.
   */
  default boolean hearsOtherNodes() {
    return false;
  }
}
