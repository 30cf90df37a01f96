package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;

import dev.parley.gateway.GatewaySettings.Role;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/spaces/{spaceId}/stream}: Server-Sent Events, one {@code outcome} event (id: the
 * event's id, data: its JSON view) per event of the space that ends from now on, and a heartbeat
 * while idle. Past events are not replayed: a client that was away reads them by id.
 */
final class StreamRoutes {
  private final SpaceStreams streams;
  private final Access access;

  StreamRoutes(SpaceStreams streams, Access access) {
    this.streams = streams;
    this.access = access;
  }

  /** The route under {@code /v1/spaces/{spaceId}}, for a space id already checked. */
  Route route(String spaceId) {
    return path(
        "stream",
        () ->
            get(
                () ->
                    access.require(
                        Role.READ,
                        () ->
                            respondWithHeader(
                                CacheControl.create(CacheDirectives.NO_CACHE),
                                () ->
                                    extractRequest(
                                        request ->
                                            completeOK(
                                                streams.open(spaceId, clientGone(request)),
                                                EventStreamMarshalling.toEventStream()))))));
  }

  /** When the client of {@code request} has left; never, for a request not seen by the guard. */
  private static CompletionStage<?> clientGone(HttpRequest request) {
    return request
        .getAttribute(ConnectionGuard.CLIENT_GONE)
        .<CompletionStage<?>>map(gone -> gone)
        .orElseGet(CompletableFuture::new);
  }
}
