package dev.parley.runtime.cluster;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.controls.Policies;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * Cluster mode: pauses and the spaces' policies hold on every node, whichever node an operator
 * asked. They are entries of one map replicated by Distributed Data ({@code pause:<lane>}, {@code
 * pause:*} for everything, {@code policy:<space>}); each node writes its operators' changes there
 * as well as applying them, and adopts the others' as they arrive, nudging its live lanes whose
 * pause changed. Each node journals what it holds, and the first node of a cluster that has no such
 * map yet (a whole cluster restarted) seeds it from its journal.
 */
public final class ClusterControls extends AbstractBehavior<ClusterControls.Command> {
  static final Key<LWWMap<String, String>> KEY = LWWMapKey.create("parley-controls");
  private static final String PAUSE = "pause:";
  private static final String POLICY = "policy:";
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);

  public sealed interface Command {}

  /** Set {@code key} to {@code value}; remove it when {@code value} is empty. */
  private record Write(String key, Optional<String> value) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response)
      implements Command {}

  private record Found(Replicator.GetResponse<LWWMap<String, String>> response)
      implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, String>> response)
      implements Command {}

  private final Pauses pauses;
  private final Policies policies;
  private final Consumer<String> nudge;
  private final SelfUniqueAddress node;
  private final org.apache.pekko.actor.typed.ActorRef<Replicator.Command> replicator;

  /** This node's writes not yet seen back in a change: they win over an older picture. */
  private final Map<String, Optional<String>> unconfirmed = new HashMap<>();

  /**
   * @param nudge nudges the live lanes a pause of this key holds ({@link Pauses#ALL}: every lane)
   */
  public static Behavior<Command> create(Pauses pauses, Policies policies, Consumer<String> nudge) {
    return Behaviors.supervise(
            Behaviors.<Command>setup(ctx -> new ClusterControls(ctx, pauses, policies, nudge)))
        .onFailure(SupervisorStrategy.restart()); // it subscribes again and re-reads the map
  }

  private ClusterControls(
      ActorContext<Command> ctx, Pauses pauses, Policies policies, Consumer<String> nudge) {
    super(ctx);
    this.pauses = pauses;
    this.policies = policies;
    this.nudge = nudge;
    DistributedData data = DistributedData.get(ctx.getSystem());
    this.node = data.selfUniqueAddress();
    this.replicator = data.replicator();
    var self = ctx.getSelf();
    pauses.replicated(
        (lane, paused) -> self.tell(new Write(PAUSE + lane, paused ? Optional.of("on") : none())));
    policies.replicated(
        (space, policy) ->
            self.tell(
                new Write(POLICY + space, policy == null ? none() : Optional.of(policy.name()))));
    replicator.tell(
        new Replicator.Get<>(
            KEY,
            new Replicator.ReadMajority(WRITE_TIMEOUT),
            ctx.messageAdapter(type(Replicator.GetResponse.class), Found::new)));
    replicator.tell(
        new Replicator.Subscribe<>(
            KEY, ctx.messageAdapter(type(Replicator.SubscribeResponse.class), Changed::new)));
  }

  /** A replicator response class as the generic type of this map's responses. */
  @SuppressWarnings("unchecked")
  private static <T> Class<T> type(Class<?> response) {
    return (Class<T>) response;
  }

  /** A policy a node wrote; empty for a name this version does not know (a newer node's). */
  private static Optional<DoubleTextPolicy> policyOf(String name) {
    try {
      return Optional.of(DoubleTextPolicy.valueOf(name));
    } catch (IllegalArgumentException unknown) {
      return Optional.empty();
    }
  }

  private static Optional<String> none() {
    return Optional.empty();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Write.class, this::onWrite)
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Found.class, this::onFound)
        .onMessage(Written.class, written -> this)
        .build();
  }

  private Behavior<Command> onWrite(Write write) {
    unconfirmed.put(write.key(), write.value());
    replicator.tell(
        new Replicator.Update<>(
            KEY,
            LWWMap.create(),
            new Replicator.WriteMajority(WRITE_TIMEOUT), // else the local replica gossips it
            getContext().messageAdapter(type(Replicator.UpdateResponse.class), Written::new),
            map ->
                write.value().isPresent()
                    ? map.put(node, write.key(), write.value().get())
                    : map.remove(node, write.key())));
    return this;
  }

  /** No map in the cluster yet: this node's journaled pauses and policies start it. */
  private Behavior<Command> onFound(Found found) {
    if (found.response() instanceof Replicator.NotFound<?>) {
      pauses.pausedLanes().forEach(lane -> onWrite(new Write(PAUSE + lane, Optional.of("on"))));
      if (pauses.allPaused()) {
        onWrite(new Write(PAUSE + Pauses.ALL, Optional.of("on")));
      }
      policies
          .bySpace()
          .forEach(
              (space, policy) -> onWrite(new Write(POLICY + space, Optional.of(policy.name()))));
    }
    return this;
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (!(changed.response() instanceof Replicator.Changed<LWWMap<String, String>> change)) {
      return this;
    }
    Map<String, String> entries = new HashMap<>(change.get(KEY).getEntries());
    unconfirmed
        .entrySet()
        .removeIf(e -> e.getValue().equals(Optional.ofNullable(entries.get(e.getKey()))));
    unconfirmed.forEach(
        (key, value) -> {
          if (value.isPresent()) {
            entries.put(key, value.get());
          } else {
            entries.remove(key);
          }
        });
    Set<String> paused = new HashSet<>();
    Map<String, DoubleTextPolicy> bySpace = new HashMap<>();
    entries.forEach(
        (key, value) -> {
          if (key.startsWith(PAUSE)) {
            paused.add(key.substring(PAUSE.length()));
          } else if (key.startsWith(POLICY)) {
            policyOf(value).ifPresent(p -> bySpace.put(key.substring(POLICY.length()), p));
          }
        });
    boolean all = paused.remove(Pauses.ALL);
    policies.adopt(bySpace);
    pauses.adopt(paused, all).forEach(nudge);
    return this;
  }
}
