package dev.parley.samples;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The crash test on a real PostgreSQL ({@link TestPostgres}). */
class DemoServerCrashPostgresIT extends DemoServerCrashIT {
  private static TestPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = new TestPostgres();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    postgres.close();
  }

  @Override
  List<String> journalOptions() {
    return List.of("-Dparley.journal.url=" + postgres.url(), "-Dparley.journal.user=postgres");
  }
}
