package dev.parley.runtime.controls;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.journal.RuntimeJournal;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/** The double-text policy of each event: its own, else its space's, else the runtime default. */
public final class Policies {
  private final DoubleTextPolicy defaultPolicy;
  private final Map<String, DoubleTextPolicy> bySpace = new ConcurrentHashMap<>();
  private volatile RuntimeJournal.Sink journal = (change, wait) -> {}; // journal = none
  private volatile BiConsumer<String, DoubleTextPolicy> replica = (space, policy) -> {}; // one JVM

  public Policies(DoubleTextPolicy defaultPolicy) {
    this.defaultPolicy = defaultPolicy;
  }

  /**
   * Sets the policy of one space; {@code null} returns it to the runtime default.
   *
   * @throws IllegalArgumentException when {@code spaceId} is not a valid space id
   */
  public void set(String spaceId, DoubleTextPolicy policy) {
    if (spaceId == null || !Event.isName(spaceId)) {
      throw new IllegalArgumentException(
          "spaceId: must match " + Event.NAME.pattern() + ", got " + spaceId);
    }
    put(spaceId, policy, true);
    replica.accept(spaceId, policy);
  }

  private void put(String spaceId, DoubleTextPolicy policy, boolean waitForJournal) {
    if (policy == null) {
      bySpace.remove(spaceId);
    } else {
      bySpace.put(spaceId, policy);
    }
    journal.record(new RuntimeJournal.PolicySet(spaceId, policy), waitForJournal);
  }

  /** Cluster mode: tells {@code replica} of every policy set on this node ({@code null}: unset). */
  public void replicated(BiConsumer<String, DoubleTextPolicy> replica) {
    this.replica = replica;
  }

  /**
   * Cluster mode: makes the spaces' policies the cluster's, journaling each change without waiting.
   */
  public void adopt(Map<String, DoubleTextPolicy> policies) {
    for (String space : Set.copyOf(bySpace.keySet())) {
      if (!policies.containsKey(space)) {
        put(space, null, false);
      }
    }
    policies.forEach(
        (space, policy) -> {
          if (bySpace.get(space) != policy) {
            put(space, policy, false);
          }
        });
  }

  /** The spaces' own policies. */
  public Map<String, DoubleTextPolicy> bySpace() {
    return Map.copyOf(bySpace);
  }

  /** The policy of {@code spaceId}'s events that name none: its own, or the runtime default. */
  public DoubleTextPolicy of(String spaceId) {
    return bySpace.getOrDefault(spaceId, defaultPolicy);
  }

  /**
   * Restores the policies the journal kept, and journals every change from now on (returning once
   * it is written).
   */
  public void journaled(Map<String, DoubleTextPolicy> kept, RuntimeJournal.Sink journal) {
    bySpace.putAll(kept);
    this.journal = journal;
  }

  public DoubleTextPolicy of(Event event) {
    DoubleTextPolicy own = event.policy().orElse(null);
    if (own != null) {
      return own;
    }
    return bySpace.isEmpty() ? defaultPolicy : bySpace.getOrDefault(event.spaceId(), defaultPolicy);
  }
}
