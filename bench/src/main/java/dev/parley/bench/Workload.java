package dev.parley.bench;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One measurement kind: its system under test is started once, runs many rounds of the same work,
 * and is shut down by {@link #close()}.
 */
interface Workload extends AutoCloseable {

  /**
   * Runs one round and returns how long it took, from the first submission until the last
   * completion was observed.
   *
   * @throws TimeoutException when the round did not complete within the configured round timeout
   * @throws IllegalStateException when a round lost or failed an event
   */
  long runRound() throws InterruptedException, ExecutionException, TimeoutException;

  @Override
  void close();
}
