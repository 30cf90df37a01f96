package dev.parley.runtime.lane;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.HandlerFactory;
import dev.parley.runtime.internal.Counters;
import dev.parley.runtime.internal.DeadLetterStore;
import dev.parley.runtime.journal.JournalSettings;
import dev.parley.runtime.journal.JournalSignals;
import dev.parley.runtime.registry.EventRegistry;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * What the shells of every lane share: the runtime around them, as the effects reach it.
 *
 * @param blockingExecutor where blocking handlers and their rollbacks run; null for async handlers
 * @param callbackExecutor where outcome callbacks, receipts and listeners run, off the lanes
 * @param journal whether lanes are journaled ({@link JournaledWorker}) and how
 * @param journalSignals where journaled lanes report their writes, failures and redeliveries
 * @param lanes the lanes live on this node
 * @param router how commands reach a lane: {@code lanes} in one JVM, sharding in a cluster
 * @param workerDispatcher where lanes run
 */
public record LaneServices(
    LaneEnvironment environment,
    LocalLanes lanes,
    LaneRouter router,
    HandlerFactory handlers,
    Executor blockingExecutor,
    Executor callbackExecutor,
    Counters counters,
    DeadLetterStore deadLetters,
    EventRegistry registry,
    OutcomeSink outcomes,
    Permits permits,
    LongSupplier nanoClock,
    List<EventListener> listeners,
    JournalSettings journal,
    JournalSignals journalSignals,
    DispatcherSelector workerDispatcher) {

  boolean blocking() {
    return blockingExecutor != null;
  }
}
