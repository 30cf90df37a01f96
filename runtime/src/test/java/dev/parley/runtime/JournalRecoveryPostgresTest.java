package dev.parley.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The journal on a real PostgreSQL (started by the test from binaries on Maven Central), with
 * {@code synchronous_commit} on as in production: a fresh database per test.
 */
class JournalRecoveryPostgresTest extends JournalRecoveryTest {
  private static final AtomicInteger databases = new AtomicInteger();
  private static EmbeddedPostgres postgres;
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
    String name = "journal_" + databases.incrementAndGet();
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
}
