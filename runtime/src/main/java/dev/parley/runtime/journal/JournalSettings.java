package dev.parley.runtime.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code parley.durability} and {@code parley.journal}: whether lanes are journaled, and where.
 *
 * @param enabled {@code parley.durability = journal}
 * @param url the JDBC URL; by default an H2 file database under {@code parley.data-dir}
 * @param snapshotEvery a lane snapshots its state every this many journal events
 */
public record JournalSettings(
    boolean enabled, String url, String user, String password, int snapshotEvery) {

  /** The embedded default: H2 writes each commit through at once, so a kill -9 loses nothing. */
  static final String H2_OPTIONS = ";WRITE_DELAY=0";

  public static JournalSettings from(Config config) {
    String durability = config.getString("parley.durability").toLowerCase(Locale.ROOT);
    if (!durability.equals("none") && !durability.equals("journal")) {
      throw new IllegalArgumentException(
          "parley.durability: must be none or journal, got \"" + durability + "\"");
    }
    String url = config.getString("parley.journal.url").trim();
    if (url.isEmpty()) {
      Path dir = Path.of(config.getString("parley.data-dir")).toAbsolutePath().normalize();
      url = "jdbc:h2:file:" + dir.resolve("journal") + H2_OPTIONS;
    } else if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "parley.journal.url: must be a jdbc:h2: or jdbc:postgresql: URL, got \"" + url + "\"");
    }
    int snapshotEvery = config.getInt("parley.journal.snapshot-every");
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException(
          "parley.journal.snapshot-every: must be at least 1, got " + snapshotEvery);
    }
    return new JournalSettings(
        durability.equals("journal"),
        url,
        config.getString("parley.journal.user"),
        config.getString("parley.journal.password"),
        snapshotEvery);
  }

  public boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }

  /**
   * Pekko Persistence's settings for this journal: the JDBC plugin on one shared database, put in
   * front of {@code config} (which is returned as is when the journal is off). Parley sets them in
   * code, so that no merge order of {@code reference.conf} files can undo them.
   */
  public static Config apply(Config config) {
    JournalSettings journal = from(config);
    if (!journal.enabled()) {
      return config;
    }
    String db = "pekko-persistence-jdbc.shared-databases.parley";
    Map<String, Object> settings =
        Map.ofEntries(
            Map.entry("pekko.persistence.journal.plugin", "jdbc-journal"),
            Map.entry("pekko.persistence.snapshot-store.plugin", "jdbc-snapshot-store"),
            Map.entry("jdbc-journal.use-shared-db", "parley"),
            Map.entry("jdbc-snapshot-store.use-shared-db", "parley"),
            Map.entry("jdbc-read-journal.use-shared-db", "parley"),
            Map.entry(
                db + ".profile",
                journal.postgres() ? "slick.jdbc.PostgresProfile$" : "slick.jdbc.H2Profile$"),
            Map.entry(db + ".db.url", journal.url()),
            Map.entry(db + ".db.user", journal.user()),
            Map.entry(db + ".db.password", journal.password()),
            Map.entry(
                db + ".db.driver", journal.postgres() ? "org.postgresql.Driver" : "org.h2.Driver"),
            Map.entry(db + ".db.connectionPool", "HikariCP"),
            // An unreachable database fails fast (start-up, readiness), not after 3 minutes.
            Map.entry(db + ".db.connectionTimeout", 5000),
            Map.entry(db + ".db.numThreads", 8),
            Map.entry(db + ".db.maxConnections", 8),
            Map.entry(db + ".db.minConnections", 2));
    return ConfigFactory.parseMap(settings).withFallback(config);
  }
}
