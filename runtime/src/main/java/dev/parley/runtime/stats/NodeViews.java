package dev.parley.runtime.stats;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Cluster mode: gathers the other nodes' answers to one {@link NodeAsk}, for one filtered view, and
 * hands them to the hub once every node asked has answered, or after the timeout with those that
 * did (the hub shows the others from their last summaries). One short-lived actor per view.
 */
final class NodeViews<T> extends AbstractBehavior<NodeViews.Command> {

  sealed interface Command {}

  private record Answered(NodeSummary summary) implements Command {}

  private enum Timeout implements Command {
    INSTANCE
  }

  private final Set<String> nodes;
  private final ActorRef<T> hub;
  private final Function<Map<String, NodeSummary>, T> gathered;
  private final Map<String, NodeSummary> answers = new HashMap<>();

  /**
   * @param nodes the nodes asked
   * @param ask sends the ask, given where the answers go
   * @param gathered the hub's message with the answers, by node
   */
  static <T> Behavior<Command> create(
      Set<String> nodes,
      Duration timeout,
      Consumer<ActorRef<NodeSummary>> ask,
      ActorRef<T> hub,
      Function<Map<String, NodeSummary>, T> gathered) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startSingleTimer(Timeout.INSTANCE, timeout);
                  ask.accept(ctx.messageAdapter(NodeSummary.class, Answered::new));
                  return new NodeViews<>(ctx, nodes, hub, gathered);
                }));
  }

  private NodeViews(
      ActorContext<Command> ctx,
      Set<String> nodes,
      ActorRef<T> hub,
      Function<Map<String, NodeSummary>, T> gathered) {
    super(ctx);
    this.nodes = Set.copyOf(nodes);
    this.hub = hub;
    this.gathered = gathered;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Answered.class, this::onAnswered)
        .onMessageEquals(Timeout.INSTANCE, this::done)
        .build();
  }

  private Behavior<Command> onAnswered(Answered answered) {
    String node = answered.summary().node();
    if (nodes.contains(node)) {
      answers.put(node, answered.summary());
    }
    return answers.size() == nodes.size() ? done() : this;
  }

  private Behavior<Command> done() {
    hub.tell(gathered.apply(Map.copyOf(answers)));
    return Behaviors.stopped();
  }
}
