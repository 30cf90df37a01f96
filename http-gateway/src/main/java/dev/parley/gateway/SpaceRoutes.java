package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.Event;
import dev.parley.runtime.Parley;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/spaces/{spaceId}}: the lane view, pause and resume, the space's events and their
 * stream. The space id is checked once here for every route below it. A space in a concurrency
 * group shares its group's lane: its view is the group's lane, named in {@code group}; a space that
 * nothing is known of is 404, never an idle-looking lane.
 */
final class SpaceRoutes {
  private final Parley parley;
  private final EventRoutes events;
  private final QueueRoutes queue;
  private final StreamRoutes streams;

  private final Access access;
  private final Origins origins;
  private final SpaceDirectory directory;

  SpaceRoutes(
      Parley parley,
      EventRoutes events,
      QueueRoutes queue,
      StreamRoutes streams,
      Access access,
      Origins origins,
      SpaceDirectory directory) {
    this.parley = parley;
    this.directory = directory;
    this.access = access;
    this.origins = origins;
    this.events = events;
    this.queue = queue;
    this.streams = streams;
  }

  Route route() {
    return pathPrefix(
        "spaces",
        () ->
            pathPrefix(
                spaceId ->
                    Event.isName(spaceId)
                        ? concat(
                            pathEnd(
                                () ->
                                    get(
                                        () ->
                                            access.require(
                                                Role.READ,
                                                () -> completeWithFuture(laneOf(spaceId))))),
                            path(
                                "pause",
                                () ->
                                    post(
                                        () ->
                                            origins.post(
                                                () ->
                                                    access.require(
                                                        Role.ADMIN,
                                                        () ->
                                                            paused(
                                                                spaceId, parley.pause(spaceId)))))),
                            path(
                                "resume",
                                () ->
                                    post(
                                        () ->
                                            origins.post(
                                                () ->
                                                    access.require(
                                                        Role.ADMIN, () -> resumed(spaceId))))),
                            events.route(spaceId),
                            queue.route(spaceId),
                            streams.route(spaceId))
                        : complete(
                            Problem.badRequest(
                                "spaceId: must match "
                                    + Event.NAME.pattern()
                                    + ", got \""
                                    + abbreviate(spaceId)
                                    + "\""))));
  }

  /**
   * The lane a space's events go to: the lane of that key when a worker holds it or it is paused;
   * else the lane of the space's newest accepted event (its group's, for a space in a group; its
   * own, idle, otherwise); else 404.
   */
  private CompletionStage<HttpResponse> laneOf(String spaceId) {
    return parley
        .lane(spaceId)
        .thenCompose(
            own -> {
              if (own.live() || own.paused()) {
                return done(Views.lane(own));
              }
              Optional<String> known = directory.laneOf(spaceId);
              if (known.isEmpty()) {
                return CompletableFuture.completedFuture(
                    Problem.notFound(
                        "space "
                            + spaceId
                            + ": nothing is known of it (no worker holds or paused a lane of this"
                            + " key, and no event of this space was accepted here, or it is"
                            + " forgotten: parley.http.spaces-remembered)"));
              }
              if (known.get().equals(spaceId)) {
                return done(Views.lane(own));
              }
              return parley
                  .lane(known.get())
                  .thenApply(
                      group -> Json.response(StatusCodes.OK, Views.spaceInGroup(spaceId, group)));
            });
  }

  private static CompletionStage<HttpResponse> done(Object view) {
    return CompletableFuture.completedFuture(Json.response(StatusCodes.OK, view));
  }

  private Route paused(String spaceId, boolean changed) {
    return complete(Json.response(StatusCodes.OK, laneState(spaceId, true, changed)));
  }

  private Route resumed(String spaceId) {
    boolean changed = parley.resume(spaceId);
    return complete(Json.response(StatusCodes.OK, laneState(spaceId, false, changed)));
  }

  private static Object laneState(String lane, boolean paused, boolean changed) {
    return java.util.Map.of("lane", lane, "paused", paused, "changed", changed);
  }

  static String abbreviate(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "…" : value;
  }
}
