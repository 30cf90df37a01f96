package dev.parley.runtime.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import dev.parley.runtime.DoubleTextPolicy;
import dev.parley.runtime.Event;
import dev.parley.runtime.admission.Admission;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.journal.JournalSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * The runtime's settings, read once from the {@code parley} section of the configuration and
 * validated: a bad value is an {@link IllegalArgumentException} naming its key.
 */
public record Settings(
    String systemName,
    Duration startupTimeout,
    Duration askTimeout,
    Duration idleTimeout,
    int maxQueue,
    DoubleTextPolicy doubleTextPolicy,
    Duration handlerTimeout,
    int unhealthyAfter,
    Duration healthCheckInterval,
    Restart restart,
    int deadLettersMaxEntries,
    int maxInFlight,
    long maxPending,
    Duration agingInterval,
    Map<String, Integer> tenantWeights,
    Admission.Adaptive adaptive,
    int statusRetain,
    Duration dedupWindow,
    int dedupMaxIds,
    Duration drainTimeout,
    DispatcherSelector workerDispatcher,
    DispatcherSelector blockingDispatcher,
    DispatcherSelector callbackDispatcher,
    Duration movingAverageWindow,
    Duration sampleInterval,
    Monitor monitor,
    JournalSettings journal,
    ClusterSettings cluster,
    boolean concurrency,
    Map<String, Integer> groups) {

  /** How supervision restarts an unhealthy worker's handler context. */
  public record Restart(Duration minBackoff, Duration maxBackoff, double randomFactor) {}

  /** The one lane of {@code parley.concurrency.enabled = off}: every event runs in it. */
  public static final String ONE_LANE = "default";

  /** At most this many pending events in one lane ({@code max-queue}, or in one-lane mode all). */
  public int laneBound() {
    return concurrency ? maxQueue : (int) Math.min(Integer.MAX_VALUE, maxPending);
  }

  /**
   * The monitor's stats hub ({@code parley.monitor}).
   *
   * @param staleAfterIntervals cluster mode: intervals after which another node's last summary no
   *     longer counts
   */
  public record Monitor(boolean enabled, Duration interval, int topLanes, int staleAfterIntervals) {
    /** How long another node's last summary counts when no newer one comes. */
    public Duration staleAfter() {
      return interval.multipliedBy(staleAfterIntervals);
    }
  }

  /** A map of tenant to a weight of 1 or more. */
  private static Map<String, Integer> weights(Config config, String key) {
    Map<String, Integer> weights = new HashMap<>();
    for (Map.Entry<String, ConfigValue> entry : config.getObject(key).entrySet()) {
      Object value = entry.getValue().unwrapped();
      if (!(value instanceof Integer weight) || weight < 1) {
        throw new IllegalArgumentException(
            key + "." + entry.getKey() + ": must be a whole number of 1 or more, got " + value);
      }
      weights.put(entry.getKey(), weight);
    }
    return Map.copyOf(weights);
  }

  /**
   * {@code parley.groups}: each parallel group's {@code max-parallel}, the events of its spaces it
   * runs at once.
   */
  private static Map<String, Integer> groups(Config config) {
    String key = "parley.groups";
    Map<String, Integer> groups = new HashMap<>();
    for (String group : config.getObject(key).keySet()) {
      String at = key + ".\"" + group + "\"";
      if (!Event.isName(group)) {
        throw new IllegalArgumentException(
            at + ": a group name must match " + Event.NAME.pattern());
      }
      Config one = config.getConfig(key).getConfig("\"" + group + "\"");
      for (String inner : one.root().keySet()) {
        if (!inner.equals("max-parallel")) {
          throw new IllegalArgumentException(
              at + "." + inner + ": unknown setting (a group has max-parallel)");
        }
      }
      groups.put(group, atLeast(one, "max-parallel", 1, at + ".max-parallel"));
    }
    return Map.copyOf(groups);
  }

  public static Settings from(Config config) {
    try {
      // Full paths, so that every message names the whole key.
      Settings settings =
          new Settings(
              config.getString("parley.system-name"),
              positive(config, "parley.startup-timeout"),
              positive(config, "parley.ask-timeout"),
              positive(config, "parley.worker.idle-timeout"),
              atLeast(config, "parley.worker.max-queue", 1),
              policy(config, "parley.double-text.policy"),
              positive(config, "parley.worker.handler-timeout"),
              atLeast(config, "parley.worker.unhealthy-after", 1),
              positive(config, "parley.worker.health-check-interval"),
              new Restart(
                  positive(config, "parley.worker.restart.min-backoff"),
                  positive(config, "parley.worker.restart.max-backoff"),
                  fraction(config, "parley.worker.restart.random-factor")),
              atLeast(config, "parley.dead-letters.max-entries", 1),
              atLeast(config, "parley.admission.max-in-flight", 0),
              atLeast(config, "parley.admission.max-pending", 1),
              positive(config, "parley.admission.aging-interval"),
              weights(config, "parley.admission.tenant-weights"),
              new Admission.Adaptive(
                  config.getBoolean("parley.admission.adaptive.enabled"),
                  fraction(config, "parley.admission.adaptive.high-watermark"),
                  fraction(config, "parley.admission.adaptive.cpu-high-watermark"),
                  atLeast(config, "parley.admission.adaptive.cpu-sustained-checks", 1),
                  positive(config, "parley.admission.adaptive.check-interval")),
              atLeast(config, "parley.status.retain", 1),
              positive(config, "parley.dedup.window"),
              atLeast(config, "parley.dedup.max-ids", 1),
              positive(config, "parley.shutdown.drain-timeout"),
              dispatcher(config, "parley.worker-dispatcher"),
              dispatcher(config, "parley.blocking-dispatcher"),
              DispatcherSelector.fromConfig(config.getString("parley.callback-dispatcher")),
              positive(config, "parley.stats.moving-average-window"),
              positive(config, "parley.stats.sample-interval"),
              new Monitor(
                  config.getBoolean("parley.monitor.enabled"),
                  positive(config, "parley.monitor.interval"),
                  atLeast(config, "parley.monitor.top-lanes", 1),
                  atLeast(config, "parley.monitor.stale-after-intervals", 2)),
              JournalSettings.from(config),
              ClusterSettings.from(config),
              config.getBoolean("parley.concurrency.enabled"),
              groups(config));
      if (!settings.systemName.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
        throw new IllegalArgumentException(
            "parley.system-name: must be a valid actor system name, got \""
                + settings.systemName
                + "\"");
      }
      if (settings.restart.maxBackoff().compareTo(settings.restart.minBackoff()) < 0) {
        throw new IllegalArgumentException(
            "parley.worker.restart.max-backoff: must not be below"
                + " parley.worker.restart.min-backoff");
      }
      if (settings.sampleInterval.compareTo(settings.movingAverageWindow) > 0) {
        throw new IllegalArgumentException(
            "parley.stats.sample-interval: must not exceed parley.stats.moving-average-window");
      }
      if (settings.monitor.topLanes() > dev.parley.runtime.stats.Monitor.MAX_TOP) {
        throw new IllegalArgumentException(
            "parley.monitor.top-lanes: must be at most "
                + dev.parley.runtime.stats.Monitor.MAX_TOP
                + ", got "
                + settings.monitor.topLanes());
      }
      return settings;
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
    }
  }

  private static Duration positive(Config config, String key) {
    Duration d;
    try {
      d = config.getDuration(key);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new IllegalArgumentException(
          key + ": must be a duration such as 30s, got " + config.getValue(key).render(), e);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + ": must be positive, got " + d);
    }
    return d;
  }

  /**
   * The dispatcher configured at {@code key}; Pekko's default one when the actor system's
   * configuration lacks it (an embedding application's own configuration may).
   */
  private static DispatcherSelector dispatcher(Config config, String key) {
    return config.hasPath(key)
        ? DispatcherSelector.fromConfig(key)
        : DispatcherSelector.defaultDispatcher();
  }

  private static DoubleTextPolicy policy(Config config, String key) {
    String value = config.getString(key);
    try {
      return DoubleTextPolicy.valueOf(value.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          key
              + ": must be one of "
              + java.util.Arrays.toString(DoubleTextPolicy.values())
                  .toLowerCase(java.util.Locale.ROOT)
              + ", got \""
              + value
              + "\"",
          e);
    }
  }

  private static int atLeast(Config config, String key, int min) {
    return atLeast(config, key, min, key);
  }

  /** As {@link #atLeast(Config, String, int)}, for {@code key} of a sub-config named {@code as}. */
  private static int atLeast(Config config, String key, int min, String as) {
    int value;
    try {
      value = config.getInt(key);
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new IllegalArgumentException(as + ": must be a whole number of " + min + " or more", e);
    }
    if (value < min) {
      throw new IllegalArgumentException(as + ": must be at least " + min + ", got " + value);
    }
    return value;
  }

  private static double fraction(Config config, String key) {
    double value = config.getDouble(key);
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new IllegalArgumentException(key + ": must be in [0, 1], got " + value);
    }
    return value;
  }

  /** How many samples the moving average keeps. */
  public int movingAverageSamples() {
    return (int) Math.max(1, movingAverageWindow.toMillis() / sampleInterval.toMillis());
  }
}
