package dev.parley.samples;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The crash test on a real PostgreSQL, which runs in the test's JVM (so the kill of the demo does
 * not touch it), {@code synchronous_commit} on as in production.
 */
class DemoServerCrashPostgresIT extends DemoServerCrashIT {
  private static EmbeddedPostgres postgres;

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

  @Override
  List<String> journalOptions() {
    return List.of(
        "-Dparley.journal.url=" + postgres.getJdbcUrl("postgres", "postgres"),
        "-Dparley.journal.user=postgres");
  }
}
