package dev.parley.runtime.lane;

import dev.parley.runtime.Outcome;
import dev.parley.runtime.Receipt;
import java.util.concurrent.CompletableFuture;

/**
 * Where a lane's answers to submitters go: in one JVM it completes their futures, in a cluster it
 * would send them a message. Called in each lane's order, never on the lane's own thread.
 */
public interface OutcomeSink {
  /**
   * Opens a ticket whose answers complete {@code outcome} (and {@code receipt}, when not null): a
   * submitter's futures, or, for a job recovered from the journal, the ones its lookups wait on.
   */
  long open(CompletableFuture<Outcome> outcome, CompletableFuture<Receipt> receipt);

  /** The event of {@code job} was accepted (or, for a duplicate, seen) with {@code receipt}. */
  void receipt(Job job, Receipt receipt);

  /** The event of {@code job} ended with {@code outcome}: its one terminal answer. */
  void outcome(Job job, Outcome outcome);

  /**
   * The lane took the tracked event of {@code job} ({@code accepted}), or refused it after all. In
   * one JVM the lane settles the registry's entry itself; a sink whose submitters are elsewhere
   * tells them.
   */
  default void settled(Job job, boolean accepted) {}

  /** Whether {@code job} was submitted through this JVM (in one JVM: always). */
  default boolean answersHere(Job job) {
    return true;
  }
}
