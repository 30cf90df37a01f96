package dev.parley.runtime.lane;

import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;

/**
 * Where a lane's answers to submitters go: in one JVM it completes their futures, in a cluster it
 * would send them a message. Called in each lane's order, never on the lane's own thread.
 */
public interface OutcomeSink {
  /** The event of {@code job} was accepted (or, for a duplicate, seen) with {@code receipt}. */
  void receipt(Job job, Receipt receipt);

  /** The event of {@code job} ended with {@code outcome}: its one terminal answer. */
  void outcome(Job job, Outcome outcome);
}
