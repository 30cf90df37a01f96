package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.patch;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Parley;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The queue controls of a space: {@code PATCH /v1/spaces/{spaceId}/events/{id}} (priority and place
 * of a pending event). Each changes pending events only: a running or finished one is 409.
 */
final class QueueRoutes {
  private final Parley parley;
  private final GatewaySettings settings;
  private final Access access;
  private final Origins origins;

  QueueRoutes(Parley parley, GatewaySettings settings, Access access, Origins origins) {
    this.parley = parley;
    this.settings = settings;
    this.access = access;
    this.origins = origins;
  }

  /** The routes under {@code /v1/spaces/{spaceId}}, for a space id already checked. */
  Route route(String spaceId) {
    return pathPrefix(
        "events",
        () ->
            pathPrefix(
                eventId ->
                    pathEnd(() -> patch(() -> admin(body -> change(spaceId, eventId, body))))));
  }

  /** A mutating route: a JSON body within the size limit, from an allowed origin, role admin. */
  private Route admin(Function<String, CompletionStage<HttpResponse>> answer) {
    return origins.post(
        () ->
            access.require(
                Role.ADMIN,
                () ->
                    withSizeLimit(
                        settings.maxBody(),
                        () ->
                            entity(
                                Unmarshaller.entityToString(),
                                body -> completeWithFuture(answer.apply(body))))));
  }

  /**
   * Gives a pending event its new priority, then its new place, and answers its view; 404 for an
   * event not of this space, 409 once it is running or finished.
   */
  private CompletionStage<HttpResponse> change(String spaceId, String eventId, String body) {
    QueueRequest.Change change = QueueRequest.Change.parse(body);
    return pendingOf(spaceId, eventId)
        .thenCompose(
            problem -> {
              if (problem.isPresent()) {
                return done(problem.get());
              }
              CompletionStage<Boolean> changed = CompletableFuture.completedFuture(true);
              if (change.priority().isPresent()) {
                changed = parley.reprioritize(eventId, change.priority().get());
              }
              if (change.position().isPresent()) {
                int position = change.position().getAsInt();
                changed =
                    changed.thenCompose(ok -> ok ? parley.move(eventId, position) : done(false));
              }
              return changed.thenCompose(
                  ok -> ok ? view(eventId) : done(Problem.notPending(eventId, "changed")));
            });
  }

  /** Empty when {@code eventId} is a pending event of {@code spaceId}; else its problem. */
  private CompletionStage<Optional<HttpResponse>> pendingOf(String spaceId, String eventId) {
    return parley
        .status(eventId)
        .thenApply(
            status -> {
              if (status.filter(s -> s.spaceId().equals(spaceId)).isEmpty()) {
                return Optional.of(Problem.unknownEvent(spaceId, eventId));
              }
              return status.get().state() == EventStatus.State.PENDING
                  ? Optional.empty()
                  : Optional.of(Problem.notPending(eventId, "changed"));
            });
  }

  /** The event's view with its priority. */
  private CompletionStage<HttpResponse> view(String eventId) {
    return parley
        .status(eventId)
        .thenApply(
            status ->
                Json.response(
                    StatusCodes.OK,
                    Views.event(
                        status.orElseThrow(), id -> parley.event(id).map(Event::priority))));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
