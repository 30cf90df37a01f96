package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.gateway.GatewaySettings.Token;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.LoggerFactory;

/**
 * Who may call a route: bearer tokens with roles (when {@code parley.http.auth.enabled}), and a
 * per-caller rate limit (per token, or per client address without auth), and a limit on failed
 * authentications per client address, so that tokens cannot be guessed at speed. Tokens are
 * compared in constant time, as digests, and never logged. The client address is the connection's
 * peer, or what a trusted proxy says in X-Forwarded-For ({@link TrustedProxies}).
 */
final class Access {
  /** Above this many callers tracked, a limiter forgets them all (bounded memory). */
  private static final int MAX_TRACKED_CALLERS = 100_000;

  private static final RateLimitedLog FAILURES =
      new RateLimitedLog(LoggerFactory.getLogger(Access.class), Duration.ofSeconds(10));

  private final GatewaySettings settings;
  private final List<byte[]> tokenDigests;
  private final TrustedProxies proxies;
  private final int failuresPerSecond;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetAddress, Bucket> failures = new ConcurrentHashMap<>();

  Access(GatewaySettings settings) {
    this.settings = settings;
    this.tokenDigests = settings.tokens().stream().map(token -> digest(token.secret())).toList();
    this.proxies = new TrustedProxies(settings.trustedProxies());
    this.failuresPerSecond =
        settings.ratePerSecond() > 0
            ? Math.min(settings.ratePerSecond(), settings.authFailuresPerSecond())
            : settings.authFailuresPerSecond();
  }

  /** Runs {@code inner} with the request's client address (empty when the server has none). */
  Route client(Function<Optional<InetAddress>, Route> inner) {
    return extractRequest(request -> inner.apply(client(request)));
  }

  Optional<InetAddress> client(HttpRequest request) {
    return request
        .getAttribute(AttributeKeys.remoteAddress)
        .flatMap(RemoteAddress::getAddress)
        .map(
            peer -> proxies.client(peer, request.getHeader("X-Forwarded-For").map(h -> h.value())));
  }

  /** Runs {@code inner} for a caller with {@code role}, within its rate; answers 401/403/429. */
  Route require(Role role, Supplier<Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        authorization -> require(role, authorization.flatMap(Access::bearer), inner));
  }

  /**
   * As {@link #require(Role, Supplier)}, for a token presented otherwise than in the Authorization
   * header (a WebSocket's query parameter or subprotocol: browsers cannot set that header there).
   */
  Route require(Role role, Optional<String> presented, Supplier<Route> inner) {
    return authorize(role, presented, roles -> inner.get());
  }

  /**
   * As {@link #require(Role, Supplier)}, telling {@code inner} every role of the caller (all of
   * them when auth is off): for an answer whose content depends on more than the route's role.
   */
  Route requireWithRoles(Role role, Function<Set<Role>, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        authorization -> authorize(role, authorization.flatMap(Access::bearer), inner));
  }

  private Route authorize(Role role, Optional<String> presented, Function<Set<Role>, Route> inner) {
    return extractRequest(
        request -> {
          Optional<InetAddress> client = client(request);
          String caller;
          Set<Role> roles = EnumSet.allOf(Role.class);
          if (settings.authEnabled()) {
            Optional<Bucket> failed = client.map(this::failures);
            if (failed.isPresent() && failed.get().exhausted(System.nanoTime())) {
              FAILURES.warn(
                  "{}: too many failed authentications, answering 429",
                  client.get().getHostAddress());
              return complete(
                  rateLimitedAnswer(
                      failuresPerSecond
                          + " failed authentications per second from this address"
                          + " (parley.http.auth.max-failures-per-second)",
                      Duration.ofSeconds(1)));
            }
            Optional<Integer> index = tokenIndex(presented);
            if (index.isEmpty()) {
              failed.ifPresent(bucket -> bucket.take(System.nanoTime()));
              FAILURES.warn(
                  "{}: {} token for {} {}",
                  client.map(InetAddress::getHostAddress).orElse("unknown address"),
                  presented.isEmpty() ? "no" : "an unknown",
                  request.method().name(),
                  RouteTemplates.of(request.getUri().path()));
              return complete(
                  Problem.of(
                          StatusCodes.UNAUTHORIZED,
                          "unauthorized",
                          "Unauthorized",
                          "send Authorization: Bearer <token> with a configured token")
                      .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "parley"))));
            }
            Token token = settings.tokens().get(index.get());
            if (!token.roles().contains(role)) {
              return complete(
                  Problem.of(
                      StatusCodes.FORBIDDEN,
                      "forbidden",
                      "Forbidden",
                      "this route needs the role " + role.name().toLowerCase()));
            }
            caller = "token:" + index.get();
            roles = token.roles();
          } else {
            caller = "address:" + client.map(InetAddress::getHostAddress).orElse("unknown");
          }
          Optional<Duration> wait = rateLimited(caller);
          if (wait.isPresent()) {
            return complete(
                rateLimitedAnswer(
                    settings.ratePerSecond()
                        + " requests per second (parley.http.rate-limit.per-second)",
                    wait.get()));
          }
          return inner.apply(roles);
        });
  }

  /** 429 {@code rate-limited}: "more than {@code limit}", retry after {@code wait}. */
  private static HttpResponse rateLimitedAnswer(String limit, Duration wait) {
    return Problem.retryLater(
        StatusCodes.TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many requests",
        "more than " + limit,
        wait);
  }

  private static Optional<String> bearer(String authorization) {
    return authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? Optional.of(authorization.substring(7).trim())
        : Optional.empty();
  }

  /** The index of the presented token, comparing every configured one in constant time. */
  private Optional<Integer> tokenIndex(Optional<String> token) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = digest(token.get());
    Integer found = null;
    for (int i = 0; i < tokenDigests.size(); i++) {
      if (MessageDigest.isEqual(presented, tokenDigests.get(i)) && found == null) {
        found = i;
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Empty when the caller may go on; else how long it should wait. */
  private Optional<Duration> rateLimited(String caller) {
    int rate = settings.ratePerSecond();
    if (rate == 0) {
      return Optional.empty();
    }
    if (buckets.size() > MAX_TRACKED_CALLERS) {
      buckets.clear();
    }
    return buckets.computeIfAbsent(caller, k -> new Bucket(rate)).take(System.nanoTime());
  }

  private Bucket failures(InetAddress address) {
    if (failures.size() > MAX_TRACKED_CALLERS) {
      failures.clear();
    }
    return failures.computeIfAbsent(address, k -> new Bucket(failuresPerSecond));
  }

  /** A token bucket: {@code rate} tokens per second, holding at most one second's worth. */
  private static final class Bucket {
    private final double rate;
    private double tokens;
    private long lastNanos;

    Bucket(int rate) {
      this.rate = rate;
      this.tokens = rate;
      this.lastNanos = System.nanoTime();
    }

    /** Whether no token is left now (taking none). */
    synchronized boolean exhausted(long now) {
      refill(now);
      return tokens < 1;
    }

    private void refill(long now) {
      tokens = Math.min(rate, tokens + (now - lastNanos) / 1e9 * rate);
      lastNanos = now;
    }

    synchronized Optional<Duration> take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return Optional.empty();
      }
      return Optional.of(Duration.ofNanos((long) ((1 - tokens) / rate * 1e9)));
    }
  }
}
