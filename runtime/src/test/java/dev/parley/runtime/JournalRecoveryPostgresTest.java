package dev.parley.runtime;

import static dev.parley.runtime.ParleyTestKit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The journal on a real PostgreSQL (started by the test from binaries on Maven Central), with
 * {@code synchronous_commit} on as in production: a fresh database per test.
 */
class JournalRecoveryPostgresTest extends JournalRecoveryTest {
  private static final AtomicInteger databases = new AtomicInteger();
  private static EmbeddedPostgres postgres;
  private String name;
  private String url;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres =
        EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @BeforeEach
  void freshDatabase() throws Exception {
    name = "journal_" + databases.incrementAndGet();
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    url = postgres.getJdbcUrl("postgres", name);
  }

  @Override
  java.sql.Connection connect() throws Exception {
    return java.sql.DriverManager.getConnection(url, "postgres", "");
  }

  @Override
  Config journal() {
    return ConfigFactory.parseString(
        "parley.journal { url = \"%s\", user = postgres, password = \"\" }".formatted(url));
  }

  /** Closes the test's database to new connections and ends those it has, or opens it again. */
  private void database(boolean open) throws Exception {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + open);
      if (!open) {
        statement.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                + name
                + "'");
      }
    }
  }

  @Test
  void aDatabaseThatGoesAwayRefusesEventsUntilItAnswersAgain() throws Exception {
    Parley parley = start((event, lane) -> CompletableFuture.completedFuture(Reply.of(event.id())));
    assertInstanceOf(Outcome.Completed.class, await(parley.submit(event("a", "before"))));

    database(false);
    Receipt refused = await(parley.enqueue(event("a", "while-down")));
    assertEquals(Receipt.Status.REJECTED, refused.status());
    assertEquals(Parley.JOURNAL_UNAVAILABLE, refused.reason());
    assertFalse(parley.journalAvailable());
    assertFalse(parley.isAccepting(), "not ready while the journal is unavailable");

    database(true);
    // The runtime checks the database every 2 s.
    TestProbe.create(parley.actorSystem())
        .awaitAssert(
            Duration.ofSeconds(30),
            () -> {
              assertTrue(parley.journalAvailable(), "the journal did not come back");
              return null;
            });
    assertInstanceOf(Outcome.Completed.class, await(parley.submit(event("a", "after"))));
    assertTrue(
        await(parley.status("while-down")).isEmpty(), "the refused event was never accepted");
  }
}
