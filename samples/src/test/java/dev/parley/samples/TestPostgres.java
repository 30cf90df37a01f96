package dev.parley.samples;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL in the test JVM (the demos under test run in child JVMs and must not touch it),
 * with {@code fsync} and {@code synchronous_commit} on as in production.
 */
final class TestPostgres implements AutoCloseable {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private final EmbeddedPostgres postgres;

  TestPostgres() throws IOException {
    postgres =
        EmbeddedPostgres.builder()
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("fsync", "on")
            .start();
  }

  /** The JDBC URL of the {@code postgres} database. */
  String url() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /** The JDBC URL of a database made for one test. */
  String freshDatabase() throws SQLException {
    String name = "test_" + DATABASES.incrementAndGet();
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    }
    return postgres.getJdbcUrl("postgres", name);
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
