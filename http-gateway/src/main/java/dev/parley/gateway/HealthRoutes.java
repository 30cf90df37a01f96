package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.parley.runtime.Parley;
import dev.parley.runtime.Stats;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code GET /healthz} (the process answers) and {@code GET /readyz} (it accepts events). */
final class HealthRoutes {
  private final Parley parley;
  private final BooleanSupplier ready;

  HealthRoutes(Parley parley, BooleanSupplier ready) {
    this.parley = parley;
    this.ready = ready;
  }

  Route route() {
    return concat(
        path(
            "healthz",
            () -> get(() -> complete(Json.response(StatusCodes.OK, Map.of("status", "ok"))))),
        path("readyz", () -> get(this::readiness)));
  }

  private Route readiness() {
    boolean accepting = ready.getAsBoolean() && parley.isAccepting();
    Stats stats = parley.stats();
    Map<String, Object> body =
        Map.of(
            "status", accepting ? "ready" : "draining",
            "queueDepth", stats.totals().pending(),
            "inFlight", stats.totals().inFlight(),
            "workers", stats.totalWorkers());
    return complete(
        Json.response(accepting ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE, body));
  }
}
