package dev.parley.runtime.lane;

import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.internal.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * What a lane's rules read of the runtime around it: configuration, the runtime-wide controls, the
 * admission figures, and the injected clock and random source.
 */
public interface LaneEnvironment {

  /**
   * The lane's configured rules.
   *
   * @param journaled the lane's state is in a journal ({@code parley.durability = journal}): what a
   *     drain leaves pending stays there for the next start
   */
  record Rules(
      int maxQueue,
      Duration handlerTimeout,
      int unhealthyAfter,
      RetryPolicy retryPolicy,
      Settings.Restart restart,
      Duration idleTimeout,
      boolean journaled) {}

  Rules rules();

  /** The double-text policy of {@code event}: its own, its space's, or the default. */
  DoubleTextPolicy policyOf(Event event);

  /** Whether an operator paused the lane (or everything). */
  boolean paused(String laneKey);

  /** Whether events must wait for a permit of the global cap now. */
  boolean capped();

  /** The admission figures, for ETAs. */
  Admission.State admission();

  /** The runtime's moving handling time, for lanes that have none yet. */
  double averageMs();

  /** Wall time, for dead letters and failure times. */
  Clock clock();

  /** Uniform in [0, 1): the jitter of backoffs. */
  DoubleSupplier random();
}
