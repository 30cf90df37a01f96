package dev.parley.gateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import scala.concurrent.duration.FiniteDuration;

/**
 * The settings of Pekko HTTP's server that Parley relies on, set in code on {@link ServerSettings}
 * from {@code parley.http.*}. Never through {@code pekko.http.server} keys in a reference.conf: in
 * a fat jar the merge order of the reference.conf files decides which one wins, and pekko-http's
 * own defaults could.
 */
final class HttpServerSettings {
  private HttpServerSettings() {}

  /** Pekko HTTP's settings from {@code system}'s configuration, with Parley's on top. */
  static ServerSettings of(ActorSystem<?> system, GatewaySettings.Server parley) {
    ServerSettings base = ServerSettings.create(system.classicSystem());
    return base.withParsingErrorHandler(ParsingErrors.class.getName())
        // The client's address, for the rate limits and X-Forwarded-For from trusted proxies.
        .withRemoteAddressAttribute(true)
        // Pekko would log every illegal header a client sends, unbounded and raw; the parsing error
        // handler logs refused requests, rate-limited and escaped, and an illegal header is
        // ignored.
        .withParserSettings(base.getParserSettings().withIllegalHeaderWarnings(false))
        // One request parsed ahead, so that the server reads the connection while it streams a
        // response and sees an event stream's client leave (ConnectionGuard.CLIENT_GONE) at once,
        // not at the next heartbeat; the routes still take one request of a connection at a time.
        .withPipeliningLimit(Math.max(2, base.getPipeliningLimit()))
        .withBacklog(parley.backlog())
        .withMaxConnections(parley.maxConnections())
        .withTimeouts(
            base.getTimeouts()
                .withRequestTimeout(finite(parley.requestTimeout()))
                .withIdleTimeout(finite(parley.idleTimeout())));
  }

  /** The figures an operator checks, in one line. */
  static String describe(ServerSettings settings, GatewaySettings.Server parley) {
    return "request-timeout "
        + settings.getTimeouts().requestTimeout()
        + ", idle-timeout "
        + settings.getTimeouts().idleTimeout()
        + ", header-timeout "
        + finite(parley.headerTimeout())
        + ", backlog "
        + settings.getBacklog()
        + ", max-connections "
        + settings.getMaxConnections()
        + ", remote-address-attribute "
        + settings.getRemoteAddressAttribute()
        + ", parsing error handler "
        + settings.getParsingErrorHandler();
  }

  private static FiniteDuration finite(Duration duration) {
    return FiniteDuration.create(duration.toMillis(), TimeUnit.MILLISECONDS).toCoarsest();
  }
}
