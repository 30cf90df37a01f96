package dev.parley.runtime.journal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the lanes tell of the journal: to the {@link JournalListener}s, and whether its database is
 * available. After a failure the runtime refuses new events at once ({@code journal-unavailable})
 * and reports not ready, and checks the database every {@link #PROBE_SECONDS} s until it answers
 * again (or a lane's write succeeds).
 */
public final class JournalSignals {
  private static final Logger LOG = LoggerFactory.getLogger(JournalSignals.class);
  static final long PROBE_SECONDS = 2;

  private final JournalSettings settings;
  private final List<JournalListener> listeners;
  private final AtomicBoolean available = new AtomicBoolean(true);
  private final ScheduledExecutorService probe;

  public JournalSignals(JournalSettings settings, List<JournalListener> listeners) {
    this.settings = settings;
    this.listeners = List.copyOf(listeners);
    this.probe =
        settings.enabled()
            ? Executors.newSingleThreadScheduledExecutor(
                task -> {
                  Thread thread = new Thread(task, "parley-journal-probe");
                  thread.setDaemon(true);
                  return thread;
                })
            : null;
  }

  /** True unless the journal's database failed and has not answered since. */
  public boolean available() {
    return available.get();
  }

  public void wrote(int events, long nanos) {
    if (!available.get()) {
      answersAgain();
    }
    listeners.forEach(listener -> listener.onWrite(events, nanos));
  }

  private void answersAgain() {
    if (available.compareAndSet(false, true)) {
      LOG.info("the journal's database answers again: accepting events");
    }
  }

  public void failed(Throwable error) {
    listeners.forEach(listener -> listener.onFailure(error));
    if (available.compareAndSet(true, false)) {
      LOG.warn(
          "the journal's database is unavailable ({}): refusing events until it answers",
          error == null ? "a write failed" : error.toString());
      probe.schedule(this::check, PROBE_SECONDS, TimeUnit.SECONDS);
    }
  }

  public void recoveredAtStart(int lanes, long nanos) {
    listeners.forEach(listener -> listener.onStartupRecovery(lanes, nanos));
  }

  public void redelivered(String laneKey, String eventId) {
    listeners.forEach(listener -> listener.onRedelivery(laneKey, eventId));
  }

  private void check() {
    if (available.get()) {
      return;
    }
    try (Connection connection =
        DriverManager.getConnection(settings.url(), settings.user(), settings.password())) {
      if (connection.isValid(5)) {
        answersAgain();
        return;
      }
    } catch (Exception e) {
      // not yet: check again
    }
    probe.schedule(this::check, PROBE_SECONDS, TimeUnit.SECONDS);
  }

  /** Stops the probe; called when the runtime stops. */
  public void close() {
    if (probe != null) {
      probe.shutdownNow();
    }
  }
}
