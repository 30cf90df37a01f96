package dev.parley.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
 * @param authEnabled whether /v1 routes need a bearer token
 * @param tokens the accepted tokens and their roles
 * @param ratePerSecond requests per second per token or client address; 0 = no limit
 * @param sseHeartbeat how often an idle event stream sends a heartbeat
 * @param sseBuffer events held for one stream client; a client that falls further behind is
 *     disconnected
 * @param metricsRequireToken whether {@code /metrics} needs a token with the role read (only when
 *     auth is enabled)
 * @param server the settings of Pekko HTTP's server that Parley sets (see {@link
 *     HttpServerSettings})
 * @param trustedProxies addresses whose {@code X-Forwarded-For} names the client; empty: nobody's
 * @param allowedOrigins browser origins allowed to call mutating routes and the monitor feed;
 *     empty: only the server's own
 * @param authFailuresPerSecond failed authentications per second allowed from one client address
 * @param spacesRemembered spaces whose lane the gateway remembers, so that a space in a group names
 *     its group's lane
 */
public record GatewaySettings(
    String host,
    int port,
    long maxBody,
    Duration maxWait,
    Duration bindTimeout,
    Duration retryAfter,
    boolean authEnabled,
    List<Token> tokens,
    int ratePerSecond,
    Duration sseHeartbeat,
    int sseBuffer,
    boolean metricsRequireToken,
    Server server,
    List<String> trustedProxies,
    List<String> allowedOrigins,
    int authFailuresPerSecond,
    int spacesRemembered) {

  /**
   * Parley's values for keys of Pekko HTTP's server, read from {@code parley.http.*}.
   *
   * @param requestTimeout how long a request may take before the server answers 503
   * @param idleTimeout a connection with no traffic this long is closed
   * @param headerTimeout a connection that has not sent a complete request head this long after it
   *     opened (or after its previous response) is closed
   * @param backlog the listen socket's queue of connections not yet accepted
   * @param maxConnections connections served at once; more wait in the backlog
   */
  public record Server(
      Duration requestTimeout,
      Duration idleTimeout,
      Duration headerTimeout,
      int backlog,
      int maxConnections) {}

  /** What a caller may do. */
  public enum Role {
    SUBMIT,
    READ,
    ADMIN
  }

  /** A bearer token and its roles. Never logged. */
  public record Token(String secret, Set<Role> roles) {
    @Override
    public String toString() {
      return "Token[roles=" + roles + "]";
    }
  }

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
      boolean authEnabled = config.getBoolean("parley.http.auth.enabled");
      List<Token> tokens = tokens(config);
      if (authEnabled && tokens.isEmpty()) {
        throw new IllegalArgumentException(
            "parley.http.auth.tokens: auth is enabled but no token is configured");
      }
      int rate = config.getInt("parley.http.rate-limit.per-second");
      if (rate < 0) {
        throw new IllegalArgumentException(
            "parley.http.rate-limit.per-second: must be 0 (off) or more, got " + rate);
      }
      int sseBuffer = config.getInt("parley.http.sse.buffer");
      if (sseBuffer < 1) {
        throw new IllegalArgumentException(
            "parley.http.sse.buffer: must be positive, got " + sseBuffer);
      }
      int spacesRemembered = config.getInt("parley.http.spaces-remembered");
      if (spacesRemembered < 1) {
        throw new IllegalArgumentException(
            "parley.http.spaces-remembered: must be positive, got " + spacesRemembered);
      }
      return new GatewaySettings(
          host,
          port,
          maxBody,
          positive(config, "parley.http.max-wait"),
          positive(config, "parley.http.bind-timeout"),
          positive(config, "parley.http.retry-after"),
          authEnabled,
          tokens,
          rate,
          positive(config, "parley.http.sse.heartbeat"),
          sseBuffer,
          config.getBoolean("parley.http.metrics.require-token"),
          new Server(
              positive(config, "parley.http.request-timeout"),
              positive(config, "parley.http.idle-timeout"),
              positive(config, "parley.http.header-timeout"),
              atLeast(config, "parley.http.backlog", 1),
              atLeast(config, "parley.http.max-connections", 1)),
          TrustedProxies.validated(config.getStringList("parley.http.trusted-proxies")),
          origins(config.getStringList("parley.http.allowed-origins")),
          atLeast(config, "parley.http.auth.max-failures-per-second", 1),
          spacesRemembered);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
    }
  }

  private static List<Token> tokens(Config config) {
    List<Token> tokens = new ArrayList<>();
    List<? extends Config> entries = config.getConfigList("parley.http.auth.tokens");
    for (int i = 0; i < entries.size(); i++) {
      Config entry = entries.get(i);
      String key = "parley.http.auth.tokens[" + i + "]";
      if (!entry.hasPath("token") || entry.getString("token").length() < 16) {
        throw new IllegalArgumentException(key + ".token: must be at least 16 characters");
      }
      Set<Role> roles = EnumSet.noneOf(Role.class);
      for (String role : entry.getStringList("roles")) {
        try {
          roles.add(Role.valueOf(role.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              key + ".roles: unknown role \"" + role + "\"; roles are submit, read, admin", e);
        }
      }
      tokens.add(new Token(entry.getString("token"), Set.copyOf(roles)));
    }
    return List.copyOf(tokens);
  }

  private static int atLeast(Config config, String key, int min) {
    int value = config.getInt(key);
    if (value < min) {
      throw new IllegalArgumentException(key + ": must be at least " + min + ", got " + value);
    }
    return value;
  }

  private static List<String> origins(List<String> origins) {
    for (String origin : origins) {
      if (!origin.matches("https?://[^/?#\\s]+")) {
        throw new IllegalArgumentException(
            "parley.http.allowed-origins: \""
                + origin
                + "\" is not an origin (scheme://host[:port], no path)");
      }
    }
    return List.copyOf(origins);
  }

  private static Duration positive(Config config, String key) {
    Duration d = config.getDuration(key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + ": must be positive, got " + d);
    }
    return d;
  }
}
