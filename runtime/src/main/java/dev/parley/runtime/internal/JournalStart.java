package dev.parley.runtime.internal;

import dev.parley.runtime.LaneView;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.controls.Pauses;
import dev.parley.runtime.controls.Policies;
import dev.parley.runtime.journal.Journal;
import dev.parley.runtime.journal.JournalSignals;
import dev.parley.runtime.journal.RuntimeJournal;
import dev.parley.runtime.lane.LaneCommand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * How a runtime with {@code parley.durability = journal} starts: it opens the journal (creating its
 * tables), restores what the runtime keeps beside its lanes (dead letters, pauses, policies), and
 * has every lane in the journal recover, all before it takes its first event. In cluster mode the
 * lanes are not recovered here: sharding starts those that have work.
 */
public final class JournalStart {
  private final ParleyGuardian.Launched launched;
  private final Settings settings;
  private final LaneAsks asks;
  private final DeadLetterStore deadLetters;
  private final Pauses pauses;
  private final Policies policies;
  private final JournalSignals journalSignals;

  public JournalStart(
      ParleyGuardian.Launched launched,
      Settings settings,
      LaneAsks asks,
      DeadLetterStore deadLetters,
      Pauses pauses,
      Policies policies,
      JournalSignals journalSignals) {
    this.launched = launched;
    this.settings = settings;
    this.asks = asks;
    this.deadLetters = deadLetters;
    this.pauses = pauses;
    this.policies = policies;
    this.journalSignals = journalSignals;
  }

  /**
   * Opens the journal and has every lane in it recover before the first event is taken: their
   * pending events resume, and the ids they know stay duplicates.
   *
   * @throws IllegalStateException in one line when the journal's database cannot be used
   */
  public void recover(Lifecycle lifecycle) {
    ActorSystem<?> system = launched.system();
    Duration timeout = settings.startupTimeout();
    try {
      Journal.prepare(system, settings.journal(), timeout);
      recoverRuntimeJournal(system, timeout, lifecycle);
      if (settings.cluster().enabled()) {
        return; // sharding remembers the lanes with work, and starts them on the nodes it picks
      }
      List<String> keys = Journal.laneKeys(settings.journal());
      long started = System.nanoTime();
      CompletableFuture<?>[] recovered =
          keys.stream()
              .map(
                  key ->
                      asks.<LaneView>ask(key, LaneCommand.GetLaneView::new, false, null)
                          .toCompletableFuture())
              .toArray(CompletableFuture<?>[]::new);
      CompletableFuture.allOf(recovered).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      journalSignals.recoveredAtStart(keys.size(), System.nanoTime() - started);
    } catch (ExecutionException | TimeoutException e) {
      lifecycle.stopNow();
      throw new IllegalStateException(
          "parley.journal: the lanes in the journal did not recover within"
              + " parley.startup-timeout ("
              + timeout
              + ")",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lifecycle.stopNow();
      throw new IllegalStateException("interrupted while recovering the journal's lanes", e);
    } catch (RuntimeException e) {
      lifecycle.stopNow();
      throw e;
    }
  }

  /**
   * Whose dead letters, pauses and policies these are: the runtime's; in cluster mode this node's
   * (its address), since nodes share the database and a journal has one writer.
   */
  private String journalName() {
    ClusterSettings cluster = settings.cluster();
    return cluster.enabled()
        ? settings.systemName() + "@" + cluster.host() + ":" + cluster.port()
        : settings.systemName();
  }

  /**
   * Fills the dead letters, pauses and policies from the journal, and journals their changes from
   * now on: an operator's change returns once it is written.
   */
  private void recoverRuntimeJournal(ActorSystem<?> system, Duration timeout, Lifecycle lifecycle)
      throws ExecutionException, TimeoutException, InterruptedException {
    ActorRef<RuntimeJournal.Command> journal =
        system.systemActorOf(
            RuntimeJournal.create(journalName(), settings.deadLettersMaxEntries()),
            "parley-runtime-journal-" + launched.guardian().path().name(),
            Props.empty());
    lifecycle.whenStopped().thenRun(() -> system.classicSystem().stop(Adapter.toClassic(journal)));
    // At shutdown, after the drain: the new dead letters told to it are written before it stops.
    lifecycle.beforeStop(
        () ->
            AskPattern.<RuntimeJournal.Command, RuntimeJournal.Snapshot>ask(
                journal, RuntimeJournal.Get::new, timeout, system.scheduler()));
    RuntimeJournal.Snapshot kept =
        AskPattern.<RuntimeJournal.Command, RuntimeJournal.Snapshot>ask(
                journal, RuntimeJournal.Get::new, timeout, system.scheduler())
            .toCompletableFuture()
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    RuntimeJournal.Sink sink =
        (change, wait) -> {
          if (!wait) {
            journal.tell(new RuntimeJournal.Record(change, null));
            return;
          }
          try {
            AskPattern.<RuntimeJournal.Command, Done>ask(
                    journal,
                    replyTo -> new RuntimeJournal.Record(change, replyTo),
                    settings.askTimeout(),
                    system.scheduler())
                .toCompletableFuture()
                .get(settings.askTimeout().toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while journaling " + change, e);
          } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the journal did not take " + change, e);
          }
        };
    deadLetters.journaled(kept.letters(), sink);
    pauses.journaled(kept.pausedLanes(), kept.allPaused(), sink);
    policies.journaled(kept.policies(), sink);
  }
}
