package dev.parley.gateway;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.Parley;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The outcomes of each space, fanned out to its event streams ({@code GET
 * /v1/spaces/{spaceId}/stream}). One listener on the runtime and, per space, the queues of its
 * clients: an ended event costs work for the clients of its own space only, and nothing when its
 * space has none. It runs on the event's worker thread, so it never blocks: each client has a
 * bounded queue, and a client that falls {@code parley.http.sse.buffer} events behind is
 * disconnected instead of holding memory without bound (it reconnects and reads what it missed by
 * id).
 */
final class SpaceStreams implements EventListener {
  private final ConcurrentHashMap<String, Set<BoundedSourceQueue<ServerSentEvent>>> bySpace =
      new ConcurrentHashMap<>();
  private final int buffer;
  private final Duration heartbeat;
  private final AtomicInteger clients = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private volatile Function<String, CompletionStage<AutoCloseable>> watch =
      space -> CompletableFuture.completedFuture(() -> {});

  SpaceStreams(int buffer, Duration heartbeat) {
    this.buffer = buffer;
    this.heartbeat = heartbeat;
  }

  /**
   * The outcomes of {@code spaceId} from now on, as {@code outcome} events, and Pekko's heartbeat
   * (an event of empty data, which EventSource ignores) whenever the stream is idle. The client
   * subscribes when the stream starts and unsubscribes when it ends, however it ends; the stream
   * ends when {@code clientGone} completes (the client closed its connection).
   */
  Source<ServerSentEvent, NotUsed> open(String spaceId, CompletionStage<?> clientGone) {
    return Source.<ServerSentEvent>queue(buffer)
        .watchTermination(
            (queue, done) -> {
              subscribe(spaceId, queue);
              CompletionStage<AutoCloseable> watching = watch.apply(spaceId);
              done.whenComplete(
                  (ok, error) -> {
                    unsubscribe(spaceId, queue);
                    watching.thenAccept(SpaceStreams::close);
                  });
              clientGone.thenRun(() -> end(queue, null));
              return NotUsed.getInstance();
            })
        .keepAlive(heartbeat, ServerSentEvent::heartbeat);
  }

  /**
   * Cluster mode: each stream has every node tell this one of its space's ended events ({@link
   * Parley#watchSpace}).
   */
  void bind(Parley parley) {
    this.watch = parley::watchSpace;
  }

  /** The streams hear the events of their spaces that end on other nodes too. */
  @Override
  public boolean hearsOtherNodes() {
    return true;
  }

  private static void close(AutoCloseable watching) {
    try {
      watching.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void onFinished(FinishedEvent finished) {
    Set<BoundedSourceQueue<ServerSentEvent>> queues = bySpace.get(finished.spaceId());
    if (queues == null) {
      return;
    }
    ServerSentEvent event = null;
    for (BoundedSourceQueue<ServerSentEvent> queue : queues) {
      if (event == null) { // rendered once, for the first client, and only when there is one
        event =
            ServerSentEvent.create(
                Json.text(Views.finished(finished)), "outcome", finished.eventId());
      }
      QueueOfferResult result = queue.offer(event);
      if (result.equals(QueueOfferResult.dropped())) {
        if (unsubscribe(finished.spaceId(), queue)) {
          dropped.increment();
        }
        // A failed stream aborts its connection (Pekko logs it): the client sees it must reconnect,
        // where a completed one would wait, holding the connection, for it to read its backlog.
        end(queue, new SlowClient(buffer));
      } else if (!result.isEnqueued()) {
        unsubscribe(finished.spaceId(), queue); // it has ended; its termination may still be due
      }
    }
  }

  /** Ends every stream (after the drain, as the server stops), so that none holds the port open. */
  void completeAll() {
    bySpace.values().forEach(queues -> queues.forEach(queue -> end(queue, null)));
  }

  /**
   * Completes ({@code failure} null) or fails the stream of {@code queue}, unless it has ended
   * already: its client may leave at any time, and the queue throws once its stream has ended.
   */
  private static void end(BoundedSourceQueue<ServerSentEvent> queue, Throwable failure) {
    try {
      if (failure == null) {
        queue.complete();
      } else {
        queue.fail(failure);
      }
    } catch (IllegalStateException ended) {
      // the client left meanwhile; its termination unsubscribes it
    }
  }

  /** Open streams now. */
  int clients() {
    return clients.get();
  }

  /** Clients disconnected for falling {@code parley.http.sse.buffer} events behind, since start. */
  long dropped() {
    return dropped.sum();
  }

  private void subscribe(String spaceId, BoundedSourceQueue<ServerSentEvent> queue) {
    bySpace.compute(
        spaceId,
        (space, queues) -> {
          Set<BoundedSourceQueue<ServerSentEvent>> set =
              queues == null ? ConcurrentHashMap.newKeySet() : queues;
          set.add(queue);
          return set;
        });
    clients.incrementAndGet();
  }

  /** Whether {@code queue} was subscribed; a space without clients is forgotten. */
  private boolean unsubscribe(String spaceId, BoundedSourceQueue<ServerSentEvent> queue) {
    boolean[] removed = {false};
    bySpace.computeIfPresent(
        spaceId,
        (space, queues) -> {
          removed[0] = queues.remove(queue);
          return queues.isEmpty() ? null : queues;
        });
    if (removed[0]) {
      clients.decrementAndGet();
    }
    return removed[0];
  }

  /** Ends the stream of a client that reads slower than its space's events end. */
  static final class SlowClient extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SlowClient(int buffer) {
      super(
          "the client fell "
              + buffer
              + " events behind (parley.http.sse.buffer) and is disconnected",
          null,
          false,
          false);
    }
  }
}
