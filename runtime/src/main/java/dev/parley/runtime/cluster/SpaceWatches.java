package dev.parley.runtime.cluster;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.FinishedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Cluster mode: the events of a space end on the node that hosts its lane, but a client may follow
 * the space (an SSE stream) through any node. A node that watches a space asks every node to tell
 * it of that space's ended events, for a lease it renews while it watches; each node forwards them
 * (one message per watching node, only for watched spaces) to the listeners there that hear other
 * nodes ({@link EventListener#hearsOtherNodes()}). A lane that moves to another node is followed
 * there: every node already knows the watch.
 */
public final class SpaceWatches implements EventListener {
  /** How long a watch holds without being renewed. */
  static final Duration LEASE = Duration.ofSeconds(30);

  private static final Duration RENEW = LEASE.dividedBy(3);

  private final ClusterOutcomes cluster;
  private final LongSupplier nanoClock;
  private final Map<String, Map<ActorRef<Answer>, Long>> watchers = new ConcurrentHashMap<>();
  private final Map<String, Integer> watching = new ConcurrentHashMap<>(); // handles open here
  private volatile List<EventListener> hearers = List.of();
  private volatile ActorSystem<?> system;

  SpaceWatches(ClusterOutcomes cluster, LongSupplier nanoClock) {
    this.cluster = cluster;
    this.nanoClock = nanoClock;
  }

  /** Starts renewing this node's watches; {@code hearers} get the other nodes' events. */
  public void start(ActorSystem<?> system, List<EventListener> hearers) {
    this.system = system;
    this.hearers = hearers.stream().filter(EventListener::hearsOtherNodes).toList();
    system.scheduler().scheduleAtFixedRate(RENEW, RENEW, this::renew, system.executionContext());
  }

  /**
   * Watches {@code spaceId} from this node: completes once every node knows it (or {@code timeout}
   * passed), with the handle that ends this watch.
   */
  public CompletionStage<AutoCloseable> watch(String spaceId, Duration timeout) {
    boolean first = watching.merge(spaceId, 1, Integer::sum) == 1;
    AtomicBoolean open = new AtomicBoolean(true);
    AutoCloseable handle =
        () -> {
          if (open.compareAndSet(true, false)) {
            unwatch(spaceId);
          }
        };
    if (!first) {
      return CompletableFuture.completedFuture(handle);
    }
    List<CompletableFuture<Answer.Watched>> asked = new ArrayList<>();
    for (ActorRef<Answer> peer : cluster.peers()) {
      asked.add(
          AskPattern.<Answer, Answer.Watched>ask(
                  peer,
                  replyTo -> new Answer.Watch(spaceId, cluster.edge(), replyTo),
                  timeout,
                  system.scheduler())
              .toCompletableFuture()
              .exceptionally(unanswered -> null)); // renewed later; a lost node answers nothing
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .thenApply(done -> handle);
  }

  private void unwatch(String spaceId) {
    if (watching.computeIfPresent(spaceId, (space, n) -> n > 1 ? n - 1 : null) == null) {
      cluster.peers().forEach(peer -> peer.tell(new Answer.Unwatch(spaceId, cluster.edge())));
    }
  }

  private void renew() {
    tell(cluster.peers());
  }

  /** Nodes whose edges just appeared hear this node's watches at once, not at the next renewal. */
  void joined(Collection<ActorRef<Answer>> edges) {
    if (system != null && !edges.isEmpty()) {
      tell(edges);
    }
  }

  private void tell(Collection<ActorRef<Answer>> edges) {
    for (String spaceId : watching.keySet()) {
      for (ActorRef<Answer> peer : edges) {
        peer.tell(new Answer.Watch(spaceId, cluster.edge(), system.ignoreRef()));
      }
    }
  }

  /** {@code watcher} watches {@code spaceId} for a lease from now. */
  void watched(String spaceId, ActorRef<Answer> watcher) {
    watchers
        .computeIfAbsent(spaceId, space -> new ConcurrentHashMap<>())
        .put(watcher, nanoClock.getAsLong() + LEASE.toNanos());
  }

  void unwatched(String spaceId, ActorRef<Answer> watcher) {
    watchers.computeIfPresent(
        spaceId,
        (space, edges) -> {
          edges.remove(watcher);
          return edges.isEmpty() ? null : edges;
        });
  }

  /** An event of a watched space ended on another node: this node's hearers hear it. */
  void streamed(FinishedEvent finished) {
    for (EventListener hearer : hearers) {
      hearer.onFinished(finished);
    }
  }

  /** An event ended here: the other nodes that watch its space hear of it. */
  @Override
  public void onFinished(FinishedEvent finished) {
    Map<ActorRef<Answer>, Long> edges = watchers.get(finished.spaceId());
    if (edges == null) {
      return;
    }
    long now = nanoClock.getAsLong();
    ActorRef<Answer> self = cluster.edge();
    edges.forEach(
        (edge, until) -> {
          if (until - now < 0) {
            unwatched(finished.spaceId(), edge); // its node stopped renewing: gone
          } else if (!edge.equals(self)) {
            edge.tell(new Answer.Streamed(finished));
          }
        });
  }
}
