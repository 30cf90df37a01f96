package dev.parley.monitor;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractWebSocketUpgrade;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.getFromResource;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.reject;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.parley.runtime.Parley;
import dev.parley.runtime.stats.Monitor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.Rejections;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.BackpressureTimeoutException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitor over HTTP: {@code GET /monitor} (the dashboard page and its assets, served from the
 * jar) and {@code GET /monitor/ws[?prefix=…&top=K]} (a WebSocket of JSON {@link
 * dev.parley.runtime.stats.StateUpdate}s with the process's resource use: one at once, carrying the
 * last {@code parley.monitor.history}, then one per interval). A client that reads slowly gets the
 * newest update when it is ready, never a backlog; one that reads nothing for {@code
 * parley.monitor.client-idle-timeout} is disconnected.
 */
public final class MonitorRoutes {
  private static final Logger log = LoggerFactory.getLogger(MonitorRoutes.class);
  private static final String DASHBOARD = "dev/parley/monitor/dashboard/";
  private static final Set<String> UPLOT_FILES = Set.of("uPlot.iife.min.js", "uPlot.min.css");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:@-]{0,128}");
  private static final String BEARER_PROTOCOL = "bearer.";

  private final Parley parley;
  private final MonitorSettings settings;
  private final MonitorAccess access;
  private final String uplot;
  private final LongAdder stalledClients = new LongAdder();
  private final MonitorHistory history;

  public MonitorRoutes(Parley parley, MonitorSettings settings, MonitorAccess access) {
    this.parley = parley;
    this.settings = settings;
    this.access = access;
    this.uplot = "META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist/";
    // Fails now, with its reason, when the runtime's monitor is off.
    this.history =
        MonitorHistory.follow(parley.monitor(), settings.history(), parley.actorSystem());
  }

  public Route route() {
    return pathPrefix(
        "monitor",
        () ->
            get(
                () ->
                    concat(
                        pathEnd(() -> page("index.html")),
                        path("ws", this::webSocket),
                        path("dashboard.js", () -> page("dashboard.js")),
                        path("dashboard.css", () -> page("dashboard.css")),
                        path(
                            segment("assets").slash("uplot").slash(segment()),
                            file ->
                                UPLOT_FILES.contains(file)
                                    ? getFromResource(uplot + file)
                                    : reject()))));
  }

  /** The dashboard's own files: always revalidated, so that an upgrade shows at once. */
  private Route page(String file) {
    return respondWithHeader(
        CacheControl.create(CacheDirectives.NO_CACHE), () -> getFromResource(DASHBOARD + file));
  }

  private Route webSocket() {
    return parameterOptional(
        "prefix",
        prefix ->
            parameterOptional(
                "top",
                top ->
                    parameterOptional(
                        "access_token",
                        token ->
                            extractWebSocketUpgrade(
                                upgrade -> watch(upgrade, prefix, top, token)))));
  }

  private Route watch(
      WebSocketUpgrade upgrade,
      Optional<String> prefixParam,
      Optional<String> topParam,
      Optional<String> tokenParam) {
    String prefix = prefixParam.orElse("");
    if (!PREFIX.matcher(prefix).matches()) {
      return reject(
          Rejections.malformedQueryParam(
              "prefix", "must be a lane-key prefix of up to 128 characters [A-Za-z0-9._:@-]"));
    }
    Monitor monitor = parley.monitor();
    int top;
    try {
      top = topParam.map(Integer::parseInt).orElse(monitor.topLanes());
    } catch (NumberFormatException e) {
      top = 0;
    }
    if (top < 1 || top > Monitor.MAX_TOP) {
      return reject(
          Rejections.malformedQueryParam("top", "must be a number in 1.." + Monitor.MAX_TOP));
    }
    Optional<String> protocol =
        StreamSupport.stream(upgrade.getRequestedProtocols().spliterator(), false)
            .filter(offered -> offered.startsWith(BEARER_PROTOCOL))
            .findFirst();
    Optional<String> token =
        tokenParam.or(() -> protocol.map(p -> p.substring(BEARER_PROTOCOL.length())));
    Flow<Message, Message, NotUsed> feed =
        Flow.fromSinkAndSourceCoupled(Sink.ignore(), updates(monitor, prefix, top));
    // A browser fails the handshake unless the server selects one of the subprotocols it offered.
    return access.read(
        token,
        () ->
            complete(
                protocol.isPresent()
                    ? upgrade.handleMessagesWith(feed, protocol.get())
                    : upgrade.handleMessagesWith(feed)));
  }

  private Source<Message, NotUsed> updates(Monitor monitor, String prefix, int top) {
    return monitor
        .updates(prefix, top)
        .zipWithIndex()
        .map(
            numbered ->
                (Message)
                    TextMessage.create(
                        StateUpdateJson.write(
                            numbered.first(),
                            history.process(),
                            numbered.second() == 0 ? history : null)))
        .backpressureTimeout(settings.clientIdleTimeout())
        .recoverWithRetries(
            1,
            BackpressureTimeoutException.class,
            () -> {
              stalledClients.increment();
              log.info(
                  "monitor client read nothing for {}: disconnected", settings.clientIdleTimeout());
              return Source.empty();
            });
  }

  /** WebSocket clients disconnected because they read nothing for the idle timeout. */
  public long stalledClientsDisconnected() {
    return stalledClients.sum();
  }

  private static String webJarVersion(String name) {
    Properties versions = new Properties();
    try (InputStream in =
        MonitorRoutes.class.getResourceAsStream("/dev/parley/monitor/webjars.properties")) {
      if (in == null) {
        throw new IllegalStateException("dev/parley/monitor/webjars.properties is missing");
      }
      versions.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return versions.getProperty(name);
  }
}
