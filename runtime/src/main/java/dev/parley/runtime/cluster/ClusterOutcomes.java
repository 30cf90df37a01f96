package dev.parley.runtime.cluster;

import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.lane.Job;
import dev.parley.runtime.lane.OutcomeSink;
import dev.parley.runtime.registry.EventRegistry;
import dev.parley.runtime.registry.Submissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The lanes' answers in cluster mode: a job submitted through this node is answered here, as in one
 * JVM; one submitted through another node is answered with a message to that node's {@link
 * ClusterEdge}, the final status of a tracked event with it.
 */
public final class ClusterOutcomes implements OutcomeSink {
  private final Submissions local;
  private final EventRegistry registry;
  private volatile ActorRef<Answer> edge; // this node's, once started
  private volatile Set<ActorRef<Answer>> peers = Set.of(); // every node's edge
  private final SpaceWatches watches = new SpaceWatches(this, System::nanoTime);

  public ClusterOutcomes(Submissions local, EventRegistry registry) {
    this.local = local;
    this.registry = registry;
  }

  /** Every node's edge, this one's among them. */
  Set<ActorRef<Answer>> peers() {
    return peers;
  }

  /** Which spaces' ended events this node and the others forward. */
  public SpaceWatches watches() {
    return watches;
  }

  /** This node's edge: jobs that name it are answered in this JVM. */
  public void edge(ActorRef<Answer> edge) {
    this.edge = edge;
  }

  public ActorRef<Answer> edge() {
    return edge;
  }

  /** The behavior of this node's {@link ClusterEdge}, for {@link #edge(ActorRef)}. */
  public Behavior<Answer> edgeBehavior(LongSupplier nanoClock) {
    return ClusterEdge.create(
        local,
        registry,
        watches,
        nanoClock,
        edges -> {
          Set<ActorRef<Answer>> before = peers;
          peers = edges;
          watches.joined(edges.stream().filter(peer -> !before.contains(peer)).toList());
        });
  }

  /**
   * Asks the other nodes about an event this one does not know: completes with the first that knows
   * it (its lane, and its final status once ended), or an unknown answer when none does.
   */
  public CompletionStage<Answer.Found> find(String eventId, Duration timeout, Scheduler timers) {
    return ask(eventId, replyTo -> new Answer.Find(eventId, replyTo), timeout, timers);
  }

  /**
   * As {@link #find}, but the node that knows the event answers once it has ended: completes with
   * its final status then, or an unknown answer when no node answers within {@code within}.
   */
  public CompletionStage<Answer.Found> awaitEnd(String eventId, Duration within, Scheduler timers) {
    return ask(eventId, replyTo -> new Answer.AwaitEnd(eventId, replyTo), within, timers);
  }

  private CompletionStage<Answer.Found> ask(
      String eventId,
      Function<ActorRef<Answer.Found>, Answer> question,
      Duration timeout,
      Scheduler timers) {
    Answer.Found unknown = new Answer.Found(eventId, null, null);
    List<CompletableFuture<Answer.Found>> asked = new ArrayList<>();
    for (ActorRef<Answer> peer : peers) {
      if (!peer.equals(edge)) {
        asked.add(
            AskPattern.<Answer, Answer.Found>ask(peer, question::apply, timeout, timers)
                .toCompletableFuture()
                .exceptionally(error -> unknown)); // a node that does not answer does not know
      }
    }
    CompletableFuture<Answer.Found> first = new CompletableFuture<>();
    // Each answer is looked at before all of them count as in: a late knowing one still wins.
    CompletableFuture<?>[] seen =
        asked.stream()
            .map(
                answer ->
                    answer.thenAccept(
                        found -> {
                          if (found.laneKey() != null) {
                            first.complete(found);
                          }
                        }))
            .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(seen).thenRun(() -> first.complete(unknown));
    return first;
  }

  @Override
  public boolean answersHere(Job job) {
    return local(job);
  }

  private boolean local(Job job) {
    return job.replyTo() == null || job.replyTo().equals(edge);
  }

  @Override
  public long open(CompletableFuture<Outcome> outcome, CompletableFuture<Receipt> receipt) {
    return local.open(outcome, receipt);
  }

  @Override
  public void receipt(Job job, Receipt receipt) {
    if (local(job)) {
      local.receipt(job, receipt);
    } else {
      job.replyTo().tell(new Answer.ReceiptOf(job.ticket(), receipt));
    }
  }

  @Override
  public void outcome(Job job, Outcome outcome) {
    if (local(job)) {
      local.outcome(job, outcome);
      return;
    }
    EventStatus finished = null;
    if (job.tracked()) { // its entry on this node, where its lane finished it
      EventRegistry.Entry entry = registry.find(job.id());
      if (entry != null && entry.event() == job.event()) {
        finished = entry.finished();
        entry.outcome().complete(outcome); // so that a wait for its end here ends too
      }
    }
    job.replyTo().tell(new Answer.Ended(job.ticket(), outcome, finished));
  }

  @Override
  public void settled(Job job, boolean accepted) {
    if (!local(job) && job.tracked()) {
      job.replyTo().tell(new Answer.Settled(job.ticket(), job.id(), accepted));
    }
  }
}
