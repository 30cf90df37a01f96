package dev.parley.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The benchmark's knobs, read once from {@code -Dbench.*} system properties; every one has a
 * default that keeps a whole run on a 2-core machine under about three minutes.
 *
 * @param lanes lanes (keys, actors, spaces) per round ({@code bench.lanes})
 * @param eventsPerLane events per lane per throughput round ({@code bench.events-per-lane})
 * @param callers submitting threads; lanes are split between them ({@code bench.callers})
 * @param warmupRounds most warm-up rounds per measurement ({@code bench.warmup.rounds})
 * @param warmupTime most warm-up time per measurement ({@code bench.warmup.seconds})
 * @param rounds measured rounds; the median is reported ({@code bench.rounds})
 * @param handlerDelay the async handler's latency in the makespan runs ({@code bench.delay-ms})
 * @param roundTimeout a round that takes longer fails the run ({@code bench.round-timeout-seconds})
 * @param only the measurements to run, letters a to e, m, n, s and t ({@code bench.only}, default a
 *     to e)
 */
record BenchSettings(
    int lanes,
    int eventsPerLane,
    int callers,
    int warmupRounds,
    Duration warmupTime,
    int rounds,
    Duration handlerDelay,
    Duration roundTimeout,
    Set<Character> only) {

  static BenchSettings fromSystemProperties() {
    BenchSettings settings =
        new BenchSettings(
            positive("bench.lanes", 10_000),
            positive("bench.events-per-lane", 100),
            positive("bench.callers", 2),
            positive("bench.warmup.rounds", 25),
            Duration.ofSeconds(positive("bench.warmup.seconds", 50)),
            positive("bench.rounds", 7),
            Duration.ofMillis(positive("bench.delay-ms", 100)),
            Duration.ofSeconds(positive("bench.round-timeout-seconds", 120)),
            letters(System.getProperty("bench.only", "abcde")));
    if (settings.callers > settings.lanes) {
      throw new IllegalArgumentException("bench.callers: must not exceed bench.lanes");
    }
    return settings;
  }

  /**
   * Configuration of an actor system under test: quiet logs, and Pekko's default dispatcher sized
   * like Parley's worker dispatcher ({@code parley.worker-dispatcher}), so that the raw baselines
   * run their actors on the same pool Parley runs its workers on.
   */
  static Config pekkoConfig() {
    Config loaded = ConfigFactory.load();
    return ConfigFactory.parseString(
            "pekko.loglevel = WARNING\npekko.log-dead-letters-during-shutdown = off")
        .withFallback(
            loaded
                .getConfig("parley.worker-dispatcher.fork-join-executor")
                .atPath("pekko.actor.default-dispatcher.fork-join-executor"))
        .withFallback(loaded);
  }

  /**
   * Configuration of a Parley under test: as {@link #pekkoConfig()}; workers never passivate during
   * the run (the default idle timeout of two minutes could stop them between rounds); and the
   * global back-pressure bound sits above a round's burst (the callers submit a whole round before
   * the first outcomes are counted; the default of 100,000 would refuse most of it).
   */
  static Config parleyConfig(String systemName) {
    return parleyConfig(systemName, Duration.ofHours(1));
  }

  /** As {@link #parleyConfig(String)}, with workers that passivate after {@code idleTimeout}. */
  static Config parleyConfig(String systemName, Duration idleTimeout) {
    return ConfigFactory.parseString(
            "parley.system-name = "
                + systemName
                + "\nparley.worker.idle-timeout = "
                + idleTimeout.toMillis()
                + "ms"
                + "\nparley.admission.max-pending = 10000000")
        .withFallback(pekkoConfig());
  }

  /** The lane keys (space ids) used by every measurement: lane-0, lane-1, … */
  String[] laneKeys() {
    String[] keys = new String[lanes];
    for (int i = 0; i < lanes; i++) {
      keys[i] = "lane-" + i;
    }
    return keys;
  }

  long eventsPerRound() {
    return (long) lanes * eventsPerLane;
  }

  boolean runs(char measurement) {
    return only.contains(measurement);
  }

  /** The positive integer system property {@code key}, or {@code fallback} when unset. */
  static int positive(String key, int fallback) {
    String raw = System.getProperty(key);
    if (raw == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.trim().replace("_", ""));
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(key + ": must be a positive integer, got \"" + raw + "\"");
  }

  private static Set<Character> letters(String raw) {
    String cleaned = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    if (cleaned.isEmpty() || !cleaned.matches("[a-emnst]+")) {
      throw new IllegalArgumentException(
          "bench.only: must list measurements among a, b, c, d, e, m, n, s, t, got \""
              + raw
              + "\"");
    }
    return cleaned.chars().mapToObj(c -> (char) c).collect(Collectors.toSet());
  }
}
