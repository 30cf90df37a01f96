package dev.parley.monitor;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The monitor routes' settings ({@code parley.monitor}; the runtime's stats hub reads its own keys
 * there too).
 *
 * @param clientIdleTimeout a WebSocket client that reads nothing this long is disconnected
 */
public record MonitorSettings(Duration clientIdleTimeout) {
  private static final String IDLE_TIMEOUT = "parley.monitor.client-idle-timeout";

  public static MonitorSettings from(Config config) {
    Duration timeout;
    try {
      timeout = config.getDuration(IDLE_TIMEOUT);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(
          IDLE_TIMEOUT + ": must be a duration such as 30s (" + e.getMessage() + ")", e);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(IDLE_TIMEOUT + ": must be positive, got " + timeout);
    }
    return new MonitorSettings(timeout);
  }
}
