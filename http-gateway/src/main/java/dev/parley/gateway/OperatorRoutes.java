package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.Parley;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/dead-letters} (list, purge, redrive) and {@code /v1/admin} (pause, resume, emergency
 * stop): what an operator does to the whole runtime.
 */
final class OperatorRoutes {
  private final Parley parley;

  private final Access access;
  private final Origins origins;

  OperatorRoutes(Parley parley, Access access, Origins origins) {
    this.parley = parley;
    this.access = access;
    this.origins = origins;
  }

  Route route() {
    return concat(
        pathPrefix(
            "dead-letters",
            () ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                get(() -> access.require(Role.READ, this::listDeadLetters)),
                                delete(
                                    () ->
                                        origins.sameOrigin(
                                            () ->
                                                access.require(
                                                    Role.ADMIN, this::purgeDeadLetters))))),
                    pathPrefix(
                        eventId ->
                            path("redrive", () -> post(() -> admin(() -> redrive(eventId))))))),
        pathPrefix(
            "admin",
            () ->
                concat(
                    path("pause", () -> post(() -> admin(this::pauseAll))),
                    path("resume", () -> post(() -> admin(this::resumeAll))),
                    path("emergency-stop", () -> post(() -> admin(this::emergencyStop))))));
  }

  /** A mutating operator route: JSON from an allowed origin, by a caller with the role admin. */
  private Route admin(java.util.function.Supplier<Route> inner) {
    return origins.post(() -> access.require(Role.ADMIN, inner));
  }

  private Route listDeadLetters() {
    return complete(Json.response(StatusCodes.OK, Views.deadLetters(parley.deadLetters())));
  }

  /** Drops every dead letter: {@code {"purged": n}}. */
  private Route purgeDeadLetters() {
    return complete(Json.response(StatusCodes.OK, Map.of("purged", parley.purgeDeadLetters())));
  }

  private Route pauseAll() {
    parley.pauseAll();
    return complete(Json.response(StatusCodes.OK, Map.of("paused", true)));
  }

  private Route resumeAll() {
    parley.resumeAll();
    return complete(Json.response(StatusCodes.OK, Map.of("paused", false)));
  }

  private Route emergencyStop() {
    return completeWithFuture(
        parley
            .emergencyStop()
            .thenApply(
                report ->
                    Json.response(
                        StatusCodes.OK,
                        Map.of(
                            "cancelled",
                            report.cancelled(),
                            "interrupted",
                            report.interrupted()))));
  }

  private Route redrive(String eventId) {
    return parley
        .redrive(eventId)
        .map(
            outcome ->
                complete(
                    Json.response(
                        StatusCodes.ACCEPTED, Map.of("id", eventId, "status", "pending"))))
        .orElseGet(() -> complete(Problem.notFound("no dead letter " + eventId)));
  }
}
