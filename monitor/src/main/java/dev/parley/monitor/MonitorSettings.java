package dev.parley.monitor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The monitor routes' settings ({@code parley.monitor}; the runtime's stats hub reads its own keys
 * there too).
 *
 * @param clientIdleTimeout a WebSocket client that reads nothing this long is disconnected
 * @param history how much of the recent past the server keeps and sends a client on connect (at the
 *     monitor's interval; zero: none)
 */
public record MonitorSettings(Duration clientIdleTimeout, Duration history) {
  private static final String IDLE_TIMEOUT = "parley.monitor.client-idle-timeout";
  private static final String HISTORY = "parley.monitor.history";

  public static MonitorSettings from(Config config) {
    Duration timeout = duration(config, IDLE_TIMEOUT);
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(IDLE_TIMEOUT + ": must be positive, got " + timeout);
    }
    Duration history = duration(config, HISTORY);
    if (history.isNegative()) {
      throw new IllegalArgumentException(HISTORY + ": must be 0 (none) or more, got " + history);
    }
    return new MonitorSettings(timeout, history);
  }

  private static Duration duration(Config config, String key) {
    try {
      return config.getDuration(key);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          key + ": must be a duration such as 30s (" + e.getMessage() + ")", e);
    }
  }
}
