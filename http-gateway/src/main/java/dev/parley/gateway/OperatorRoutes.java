package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import dev.parley.runtime.Parley;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/dead-letters} (list, redrive) and {@code /v1/admin} (pause, resume, emergency stop):
 * what an operator does to the whole runtime.
 */
final class OperatorRoutes {
  private final Parley parley;

  OperatorRoutes(Parley parley) {
    this.parley = parley;
  }

  Route route() {
    return concat(
        pathPrefix(
            "dead-letters",
            () ->
                concat(
                    pathEnd(
                        () ->
                            get(
                                () ->
                                    complete(
                                        Json.response(
                                            StatusCodes.OK,
                                            Views.deadLetters(parley.deadLetters()))))),
                    pathPrefix(eventId -> path("redrive", () -> post(() -> redrive(eventId)))))),
        pathPrefix(
            "admin",
            () ->
                concat(
                    path(
                        "pause",
                        () ->
                            post(
                                () -> {
                                  parley.pauseAll();
                                  return complete(
                                      Json.response(StatusCodes.OK, Map.of("paused", true)));
                                })),
                    path(
                        "resume",
                        () ->
                            post(
                                () -> {
                                  parley.resumeAll();
                                  return complete(
                                      Json.response(StatusCodes.OK, Map.of("paused", false)));
                                })),
                    path(
                        "emergency-stop",
                        () ->
                            post(
                                () ->
                                    completeWithFuture(
                                        parley
                                            .emergencyStop()
                                            .thenApply(
                                                report ->
                                                    Json.response(
                                                        StatusCodes.OK,
                                                        Map.of(
                                                            "cancelled", report.cancelled(),
                                                            "interrupted",
                                                                report.interrupted())))))))));
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
