package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.monitor.MonitorRoutes;
import dev.parley.monitor.MonitorSettings;
import dev.parley.runtime.Parley;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.ExpectedWebSocketRequestRejection;
import org.apache.pekko.http.javadsl.server.MalformedQueryParamRejection;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.server.UnsupportedRequestContentTypeRejection;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every route of the gateway, composed in one place, with every rejection and exception answered as
 * problem+json: a client error is a 4xx with a precise detail, never a 5xx. Every answer, errors
 * included, is counted in the HTTP metrics.
 */
public final class GatewayRoutes {
  private static final Logger log = LoggerFactory.getLogger(GatewayRoutes.class);

  private final HealthRoutes health;
  private final SpaceRoutes spaces;
  private final QueueRoutes queue;
  private final ExportRoutes export;
  private final OperatorRoutes operators;
  private final EventRoutes events;
  private final MetricsRoutes metricsRoutes;
  private final GatewayMetrics metrics;
  private final Optional<MonitorRoutes> monitor;

  /**
   * @param ready false once the server drains: new events then get 503
   * @param streams the runtime's listener that feeds the event streams
   * @param metrics the runtime's listener and meters, already bound to {@code parley}
   * @param monitor the monitor's settings, to serve {@code /monitor}; empty to serve none
   */
  GatewayRoutes(
      Parley parley,
      GatewaySettings settings,
      BooleanSupplier ready,
      SpaceStreams streams,
      GatewayMetrics metrics,
      Optional<MonitorSettings> monitor) {
    Access access = new Access(settings);
    Origins origins = new Origins(settings);
    this.metrics = metrics;
    this.monitor =
        monitor.map(
            m ->
                new MonitorRoutes(
                    parley,
                    m,
                    (token, inner) ->
                        origins.sameOrigin(() -> access.require(Role.READ, token, inner))));
    SpaceDirectory directory = new SpaceDirectory(settings.spacesRemembered());
    this.events = new EventRoutes(parley, settings, ready, access, origins, metrics, directory);
    this.health = new HealthRoutes(parley, ready, settings);
    this.queue = new QueueRoutes(parley, settings, access, origins, directory);
    this.export = new ExportRoutes(parley, access);
    this.spaces =
        new SpaceRoutes(
            parley, events, queue, new StreamRoutes(streams, access), access, origins, directory);
    this.operators = new OperatorRoutes(parley, access, origins);
    this.metricsRoutes = new MetricsRoutes(metrics, settings, access);
  }

  /**
   * The whole route, built once: the Java DSL evaluates a directive's inner {@code Supplier} for
   * each request it lets through, so a tree built inside one is built again per request (the
   * rejection handler with its 404 body, and every module's routes, were).
   */
  public Route route() {
    Route v1 = concat(spaces.route(), queue.route(), export.route(), operators.route());
    Route routes =
        concat(
            health.route(),
            metricsRoutes.route(),
            pathPrefix("v1", () -> v1),
            monitor.map(MonitorRoutes::route).orElseGet(Directives::reject));
    ExceptionHandler exceptions = exceptions();
    RejectionHandler rejections = rejections();
    Route handled = handleExceptions(exceptions, () -> handleRejections(rejections, () -> routes));
    return timed(handled);
  }

  /**
   * Counts and times each answer by method, route template and status, outside the rejection and
   * exception handlers so that their answers count too. A stream is timed until its headers.
   */
  private Route timed(Route inner) {
    return extractRequest(
        request -> {
          long start = System.nanoTime();
          return mapResponse(
              response -> {
                metrics.request(
                    request.method().name(),
                    RouteTemplates.of(request.getUri().path()),
                    response.status().intValue(),
                    System.nanoTime() - start);
                return response;
              },
              () -> inner);
        });
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, this::methodNotAllowed)
        .handle(
            UnsupportedRequestContentTypeRejection.class,
            r ->
                complete(
                    Problem.of(
                        StatusCodes.UNSUPPORTED_MEDIA_TYPE,
                        "unsupported-media-type",
                        "Unsupported media type",
                        "supported: " + r.getSupported())))
        .handle(
            MalformedRequestContentRejection.class,
            r ->
                complete(
                    r.getCause() instanceof EntityStreamSizeException
                        ? events.payloadTooLarge()
                        : r.getCause() instanceof ConnectionGuard.BodyTimeout timeout
                            ? bodyTimeout(timeout)
                            : Problem.badRequest("body: " + r.message())))
        .handle(
            MalformedQueryParamRejection.class,
            r ->
                complete(
                    Problem.badRequest(
                        "query parameter " + r.parameterName() + ": " + r.errorMsg())))
        .handle(
            ExpectedWebSocketRequestRejection.class,
            r -> complete(Problem.badRequest("expected a WebSocket upgrade (Upgrade: websocket)")))
        .handleNotFound(complete(Problem.notFound("no such route")))
        .handleAll(
            Rejection.class,
            all ->
                complete(
                    Problem.badRequest(
                        all.stream().map(Object::toString).collect(Collectors.joining("; ")))))
        .build();
  }

  /** 408, and the connection is closed: the rest of the body cannot be told from a next request. */
  private static HttpResponse bodyTimeout(ConnectionGuard.BodyTimeout timeout) {
    return Problem.of(
            StatusCodes.REQUEST_TIMEOUT, "request-timeout", "Request timeout", timeout.getMessage())
        .addHeader(org.apache.pekko.http.javadsl.model.headers.Connection.create("close"));
  }

  private Route methodNotAllowed(List<MethodRejection> rejections) {
    List<org.apache.pekko.http.javadsl.model.HttpMethod> allowed =
        rejections.stream().map(MethodRejection::supported).toList();
    HttpResponse problem =
        Problem.of(
            StatusCodes.METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            "allowed: "
                + allowed.stream()
                    .map(org.apache.pekko.http.javadsl.model.HttpMethod::name)
                    .collect(Collectors.joining(", ")));
    return complete(
        problem.addHeader(
            Allow.create(allowed.toArray(org.apache.pekko.http.javadsl.model.HttpMethod[]::new))));
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(EntityStreamSizeException.class, e -> complete(events.payloadTooLarge()))
        .match(EventRequest.BadRequest.class, e -> complete(Problem.badRequest(e.getMessage())))
        .match(ConnectionGuard.BodyTimeout.class, e -> complete(bodyTimeout(e)))
        .matchAny(
            e -> {
              log.error("request failed", e);
              return complete(
                  Problem.of(
                      StatusCodes.INTERNAL_SERVER_ERROR,
                      "internal-error",
                      "Internal error",
                      "the server failed to answer; the error is logged"));
            })
        .build();
  }
}
