package dev.parley.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The journal on its default: an H2 file database under {@code parley.data-dir}. */
class JournalRecoveryH2Test extends JournalRecoveryTest {
  @Override
  Config journal() {
    return ConfigFactory.empty();
  }

  @Override
  java.sql.Connection connect() throws Exception {
    return java.sql.DriverManager.getConnection(
        "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("journal"), "", "");
  }

  @Test
  void aJournalThatCannotBeOpenedFailsTheStartInOneLine() {
    Config unreachable =
        ConfigFactory.parseString(
                "parley.journal.url = \"jdbc:postgresql://127.0.0.1:1/parley\"\n"
                    + "parley.startup-timeout = 20s")
            .withFallback(config());
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () ->
                Parley.builder()
                    .config(unreachable)
                    .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()))
                    .build());
    assertTrue(
        error.getMessage().startsWith("parley.journal.url: cannot use the journal database"),
        error.getMessage());
    assertFalse(error.getMessage().contains("\n"), error.getMessage());
  }
}
