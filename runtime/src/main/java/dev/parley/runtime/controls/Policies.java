package dev.parley.runtime.controls;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.journal.RuntimeJournal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The double-text policy of each event: its own, else its space's, else the runtime default. */
public final class Policies {
  private final DoubleTextPolicy defaultPolicy;
  private final Map<String, DoubleTextPolicy> bySpace = new ConcurrentHashMap<>();
  private volatile RuntimeJournal.Sink journal = (change, wait) -> {}; // journal = none

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
    if (policy == null) {
      bySpace.remove(spaceId);
    } else {
      bySpace.put(spaceId, policy);
    }
    journal.record(new RuntimeJournal.PolicySet(spaceId, policy), true);
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
