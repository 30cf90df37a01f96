package dev.parley.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The HTTP side's settings ({@code parley.http}), read once and validated: a bad value is an {@link
 * IllegalArgumentException} naming its key.
 *
 * @param host where the server listens
 * @param port its port (0 picks a free one)
 * @param maxBody the largest request body accepted, in bytes
 * @param maxWait the longest {@code Prefer: wait=N} honoured
 * @param bindTimeout how long start-up waits for the port
 * @param retryAfter the {@code Retry-After} sent while the server drains
 */
public record GatewaySettings(
    String host,
    int port,
    long maxBody,
    Duration maxWait,
    Duration bindTimeout,
    Duration retryAfter) {

  public static GatewaySettings from(Config config) {
    try {
      String host = config.getString("parley.http.host");
      int port = config.getInt("parley.http.port");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("parley.http.port: must be 0..65535, got " + port);
      }
      long maxBody = config.getBytes("parley.http.max-body");
      if (maxBody < 1) {
        throw new IllegalArgumentException("parley.http.max-body: must be positive");
      }
      return new GatewaySettings(
          host,
          port,
          maxBody,
          positive(config, "parley.http.max-wait"),
          positive(config, "parley.http.bind-timeout"),
          positive(config, "parley.http.retry-after"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
    }
  }

  private static Duration positive(Config config, String key) {
    Duration d = config.getDuration(key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + ": must be positive, got " + d);
    }
    return d;
  }
}
