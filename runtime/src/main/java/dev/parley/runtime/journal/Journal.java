package dev.parley.runtime.journal;

import dev.parley.runtime.lane.JournaledWorker;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;

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

  /**
   * The keys of the lanes that have a journal or a snapshot: each may have events to resume. (The
   * read journal's persistence ids miss a lane whose events a snapshot has all deleted.)
   */
  public static List<String> laneKeys(JournalSettings settings) {
    String query =
        "SELECT \"persistence_id\" FROM \"event_journal\" WHERE \"persistence_id\" LIKE ?"
            + " UNION SELECT \"persistence_id\" FROM \"snapshot\" WHERE \"persistence_id\" LIKE ?";
    List<String> keys = new ArrayList<>();
    try (Connection connection =
            DriverManager.getConnection(settings.url(), settings.user(), settings.password());
        PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setString(1, PREFIX + "%");
      statement.setString(2, PREFIX + "%");
      try (ResultSet ids = statement.executeQuery()) {
        while (ids.next()) {
          keys.add(ids.getString(1).substring(PREFIX.length()));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "parley.journal.url: cannot list the lanes in the journal database "
              + settings.url()
              + ": "
              + firstLine(String.valueOf(e.getMessage())),
          e);
    }
    return keys;
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
