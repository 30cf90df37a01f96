package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.head;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.parley.runtime.Parley;
import dev.parley.runtime.Stats;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /healthz} (the process answers), {@code GET /readyz} (it accepts events) and {@code
 * GET /openapi.json} (the API's description): the routes that need no token.
 */
final class HealthRoutes {
  private final Parley parley;
  private final BooleanSupplier ready;

  /**
   * The API's OpenAPI 3.1 document as configured, kept true by tests that probe every route in it
   * and validate the end-to-end exchanges against it.
   */
  private final HttpResponse openApi;

  HealthRoutes(Parley parley, BooleanSupplier ready, GatewaySettings settings) {
    this.parley = parley;
    this.ready = ready;
    this.openApi =
        HttpResponse.create()
            .withEntity(
                HttpEntities.create(
                    ContentTypes.APPLICATION_JSON, OpenApiDocument.served(settings)));
  }

  Route route() {
    return concat(
        path(
            "healthz",
            () -> getOrHead(() -> complete(Json.response(StatusCodes.OK, Map.of("status", "ok"))))),
        path("readyz", () -> getOrHead(this::readiness)),
        path("openapi.json", () -> get(() -> complete(openApi))));
  }

  /** GET, and HEAD for probes that want the status only (the server sends no body to a HEAD). */
  private static Route getOrHead(Supplier<Route> inner) {
    return concat(get(inner), head(inner));
  }

  private String notReady() {
    if (!parley.journalAvailable()) {
      return "journal-unavailable";
    }
    return parley.clusterMemberUp() ? "draining" : "not-up";
  }

  private Route readiness() {
    boolean accepting = ready.getAsBoolean() && parley.isAccepting();
    Stats stats = parley.stats();
    Map<String, Object> body =
        Map.of(
            "status",
            accepting ? "ready" : notReady(),
            "queueDepth",
            stats.totals().pending(),
            "inFlight",
            stats.totals().inFlight(),
            "workers",
            stats.totalWorkers());
    return complete(
        Json.response(accepting ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
  }
}
