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
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/spaces/{spaceId}}: the lane view, pause and resume, the space's events and their
 * stream. The space id is checked once here for every route below it. A space in a concurrency
 * group shares its group's lane: ask for the group's name to see that lane.
 */
final class SpaceRoutes {
  private final Parley parley;
  private final EventRoutes events;
  private final StreamRoutes streams;

  private final Access access;
  private final Origins origins;

  SpaceRoutes(
      Parley parley, EventRoutes events, StreamRoutes streams, Access access, Origins origins) {
    this.parley = parley;
    this.access = access;
    this.origins = origins;
    this.events = events;
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
                                                () ->
                                                    completeWithFuture(
                                                        parley
                                                            .lane(spaceId)
                                                            .thenApply(
                                                                lane ->
                                                                    Json.response(
                                                                        StatusCodes.OK,
                                                                        Views.lane(lane))))))),
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
                            streams.route(spaceId))
                        : complete(
                            Problem.badRequest(
                                "spaceId: must match "
                                    + Event.NAME.pattern()
                                    + ", got \""
                                    + abbreviate(spaceId)
                                    + "\""))));
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
