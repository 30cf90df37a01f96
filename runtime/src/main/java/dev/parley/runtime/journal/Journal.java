package dev.parley.runtime.journal;

import dev.parley.runtime.lane.JournaledWorker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/** What the runtime does with the journal's database at start-up, before it takes events. */
public final class Journal {
  private static final String PREFIX = JournaledWorker.ENTITY_TYPE + "|";

  private Journal() {}

  /**
   * Creates the journal's tables when they are missing (the plugin's own schema script).
   *
   * @throws IllegalStateException in one line naming the database, when it cannot be reached
   */
  public static void prepare(ActorSystem<?> system, JournalSettings settings, Duration timeout) {
    await(SchemaUtils.createIfNotExists(system).toCompletableFuture(), settings, timeout);
  }

  /** The keys of the lanes that have a journal: each may have events to resume. */
  public static List<String> laneKeys(
      ActorSystem<?> system, JournalSettings settings, Duration timeout) {
    JdbcReadJournal journal =
        PersistenceQuery.get(system)
            .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return await(
        journal
            .currentPersistenceIds()
            .filter(id -> id.startsWith(PREFIX))
            .map(id -> id.substring(PREFIX.length()))
            .runWith(Sink.seq(), system)
            .toCompletableFuture(),
        settings,
        timeout);
  }

  private static <T> T await(
      java.util.concurrent.CompletableFuture<T> stage, JournalSettings settings, Duration timeout) {
    try {
      return stage.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the journal", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? rootCause(e) : e;
      throw new IllegalStateException(
          "parley.journal.url: cannot use the journal database "
              + settings.url()
              + ": "
              + (cause.getMessage() == null ? cause.toString() : firstLine(cause.getMessage())),
          e);
    }
  }

  private static Throwable rootCause(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String firstLine(String message) {
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
