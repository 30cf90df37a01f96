package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeout;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Receipt;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.registry.EventRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /v1/spaces/{spaceId}/events} (with {@code Prefer: wait=N}), {@code GET} and {@code
 * DELETE /v1/spaces/{spaceId}/events/{id}}: the events of one space.
 */
final class EventRoutes {
  private static final Pattern SECONDS = Pattern.compile("\\d+");

  private final Parley parley;
  private final GatewaySettings settings;
  private final BooleanSupplier ready;
  private final Access access;
  private final Origins origins;
  private final GatewayMetrics metrics;
  private final SpaceDirectory directory;

  EventRoutes(
      Parley parley,
      GatewaySettings settings,
      BooleanSupplier ready,
      Access access,
      Origins origins,
      GatewayMetrics metrics,
      SpaceDirectory directory) {
    this.metrics = metrics;
    this.directory = directory;
    this.parley = parley;
    this.access = access;
    this.origins = origins;
    this.settings = settings;
    this.ready = ready;
  }

  /** The routes under {@code /v1/spaces/{spaceId}/events}, for a space id already checked. */
  Route route(String spaceId) {
    return pathPrefix(
        "events",
        () ->
            concat(
                pathEnd(
                    () ->
                        post(
                            () ->
                                // A Prefer: wait must get the gateway's answer, not a timeout.
                                withRequestTimeout(
                                    settings.maxWait().plusSeconds(5),
                                    () ->
                                        origins.post(
                                            () ->
                                                access.requireWithRoles(
                                                    Role.SUBMIT,
                                                    roles ->
                                                        submit(
                                                            spaceId,
                                                            roles.contains(Role.READ))))))),
                pathPrefix(
                    eventId ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        get(
                                            () ->
                                                withRequestTimeout(
                                                    settings.maxWait().plusSeconds(5),
                                                    () ->
                                                        access.require(
                                                            Role.READ,
                                                            () ->
                                                                optionalHeaderValueByName(
                                                                    "Prefer",
                                                                    prefer ->
                                                                        completeWithFuture(
                                                                            view(
                                                                                spaceId, eventId,
                                                                                prefer)))))),
                                        delete(
                                            () ->
                                                origins.sameOrigin(
                                                    () ->
                                                        access.require(
                                                            Role.SUBMIT,
                                                            () ->
                                                                completeWithFuture(
                                                                    cancel(spaceId, eventId))))))),
                            path(
                                "move",
                                () ->
                                    post(
                                        () ->
                                            origins.post(
                                                () ->
                                                    access.require(
                                                        Role.ADMIN,
                                                        () ->
                                                            parameterOptional(
                                                                "position",
                                                                position ->
                                                                    completeWithFuture(
                                                                        move(
                                                                            spaceId, eventId,
                                                                            position)))))))))));
  }

  /** {@code mayRead}: whether the caller may see another event's outcome (a duplicate's). */
  private Route submit(String spaceId, boolean mayRead) {
    return extractRequestEntity(
        entity -> {
          if (tooLarge(entity)) {
            return complete(payloadTooLarge());
          }
          return withSizeLimit(
              settings.maxBody(),
              () ->
                  entity(
                      Unmarshaller.entityToString(),
                      body ->
                          optionalHeaderValueByName(
                              "Prefer",
                              prefer ->
                                  completeWithFuture(accept(spaceId, body, prefer, mayRead)))));
        });
  }

  private boolean tooLarge(RequestEntity entity) {
    return entity.getContentLengthOption().isPresent()
        && entity.getContentLengthOption().getAsLong() > settings.maxBody();
  }

  HttpResponse payloadTooLarge() {
    return Problem.of(
        StatusCodes.CONTENT_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        "the body is larger than parley.http.max-body (" + settings.maxBody() + " bytes)");
  }

  private CompletionStage<HttpResponse> accept(
      String spaceId, String body, Optional<String> prefer, boolean mayRead) {
    if (!ready.getAsBoolean()) {
      metrics.rejected(Parley.SHUTTING_DOWN);
      return CompletableFuture.completedFuture(shuttingDown());
    }
    Event event;
    Optional<Duration> wait;
    try {
      event = EventRequest.parse(spaceId, body);
      wait = preferredWait(prefer);
    } catch (EventRequest.BadRequest e) {
      return CompletableFuture.completedFuture(Problem.badRequest(e.getMessage()));
    }
    return parley
        .admit(event)
        .thenCompose(admitted -> answer(spaceId, admitted, wait, mayRead))
        .thenApply(response -> wait.map(w -> applied(response, w)).orElse(response));
  }

  /** A response to a {@code Prefer: wait} tells the client it was honoured (RFC 7240). */
  private static HttpResponse applied(HttpResponse response, Duration wait) {
    int status = response.status().intValue();
    return status == 200 || status == 202
        ? response.addHeader(RawHeader.create("Preference-Applied", "wait=" + wait.toSeconds()))
        : response;
  }

  private CompletionStage<HttpResponse> answer(
      String spaceId, Parley.Admitted admitted, Optional<Duration> wait, boolean mayRead) {
    Receipt receipt = admitted.receipt();
    if (!receipt.accepted()) {
      metrics.rejected(receipt.reason());
      return CompletableFuture.completedFuture(refused(receipt));
    }
    if (receipt.duplicate()) {
      return duplicate(spaceId, receipt.eventId(), admitted.first(), wait, mayRead);
    }
    directory.accepted(spaceId, receipt.laneKey());
    return wait.map(timeout -> awaitOutcome(spaceId, receipt, timeout))
        .orElseGet(() -> CompletableFuture.completedFuture(accepted(spaceId, receipt)));
  }

  /**
   * The same id again within the dedup window, never a second run, always one shape: the first
   * event's view with {@code "duplicate": true}, 200 once it has ended (under {@code Prefer: wait}
   * after waiting for it like for a new event), 202 with its Location while it is live. Its reply
   * and error only for a caller who may read events ({@code mayRead}): re-posting an id must not
   * show someone else's outcome to a token that could not GET it. An id taken in another space is a
   * conflict, and says nothing about that space's event. {@code first} is the first event's status
   * as the runtime found it once its lane had taken it: a look by id could miss it already.
   */
  private CompletionStage<HttpResponse> duplicate(
      String spaceId,
      String eventId,
      Optional<EventStatus> first,
      Optional<Duration> wait,
      boolean mayRead) {
    if (first.isEmpty() || !first.get().spaceId().equals(spaceId)) {
      return CompletableFuture.completedFuture(
          Problem.conflict(
              "id-conflict", "event id " + eventId + " is already in use; choose another id"));
    }
    directory.accepted(spaceId, first.get().laneKey());
    if (first.get().state() == EventStatus.State.FINISHED || wait.isEmpty()) {
      return CompletableFuture.completedFuture(duplicateView(spaceId, first.get(), mayRead));
    }
    return ended(eventId, wait.get())
        .thenCompose(done -> status(spaceId, eventId))
        .thenApply(now -> duplicateView(spaceId, now.orElse(first.get()), mayRead));
  }

  private static HttpResponse duplicateView(String spaceId, EventStatus status, boolean mayRead) {
    ObjectNode view = Views.event(status);
    view.put("duplicate", true);
    if (!mayRead) {
      view.remove("reply");
      view.remove("error");
    }
    if (status.state() == EventStatus.State.FINISHED) {
      return Json.response(StatusCodes.OK, view);
    }
    return Json.response(StatusCodes.ACCEPTED, view)
        .addHeader(Location.create(location(spaceId, status.eventId())));
  }

  /**
   * {@code Prefer: wait=N} (RFC 7240: whole seconds, the first {@code wait} counts, other
   * preferences are ignored), capped at {@code parley.http.max-wait}. A {@code wait} that is not a
   * number of seconds is a 400: the client would otherwise not learn that it is not waiting.
   */
  Optional<Duration> preferredWait(Optional<String> prefer) {
    if (prefer.isEmpty()) {
      return Optional.empty();
    }
    for (String preference : prefer.get().split(",")) {
      String head = preference.split(";", 2)[0];
      int equals = head.indexOf('=');
      String name = (equals < 0 ? head : head.substring(0, equals)).trim();
      if (!name.equalsIgnoreCase("wait")) {
        continue;
      }
      String value = equals < 0 ? "" : head.substring(equals + 1).trim();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      if (!SECONDS.matcher(value).matches()) {
        throw new EventRequest.BadRequest(
            "Prefer: wait must be a whole number of seconds (RFC 7240), got "
                + RateLimitedLog.quote(value));
      }
      Duration max = settings.maxWait();
      return Optional.of(
          value.length() > 9 || Long.parseLong(value) > max.toSeconds()
              ? max
              : Duration.ofSeconds(Long.parseLong(value)));
    }
    return Optional.empty();
  }

  /** 200 with the event's view once it ends within {@code timeout}; else 202 with the receipt. */
  private CompletionStage<HttpResponse> awaitOutcome(
      String spaceId, Receipt receipt, Duration timeout) {
    return ended(receipt.eventId(), timeout)
        .thenCompose(
            done ->
                done
                    ? status(spaceId, receipt.eventId())
                        .thenApply(s -> Json.response(StatusCodes.OK, Views.event(s.orElseThrow())))
                    : CompletableFuture.completedFuture(accepted(spaceId, receipt)));
  }

  /**
   * Whether {@code eventId} ended within {@code timeout}, wherever it was submitted (false at once
   * for one no node knows).
   */
  private CompletionStage<Boolean> ended(String eventId, Duration timeout) {
    return parley.awaitEnd(eventId, timeout);
  }

  private HttpResponse accepted(String spaceId, Receipt receipt) {
    return Json.response(StatusCodes.ACCEPTED, Views.receipt(spaceId, receipt))
        .addHeader(Location.create(location(spaceId, receipt.eventId())));
  }

  static String location(String spaceId, String eventId) {
    return "/v1/spaces/"
        + spaceId
        + "/events/"
        + java.net.URLEncoder.encode(eventId, java.nio.charset.StandardCharsets.UTF_8)
            .replace("+", "%20");
  }

  private HttpResponse refused(Receipt receipt) {
    String reason = receipt.reason();
    if (Parley.SHUTTING_DOWN.equals(reason)) {
      return shuttingDown();
    }
    if (Parley.JOURNAL_UNAVAILABLE.equals(reason)) {
      return Problem.retryLater(
          StatusCodes.SERVICE_UNAVAILABLE,
          Parley.JOURNAL_UNAVAILABLE,
          "Journal unavailable",
          "the event could not be written to the journal, so it was not accepted; try again later",
          settings.retryAfter());
    }
    if (ClusterSettings.LANE_UNREACHABLE.equals(reason)) {
      return Problem.retryLater(
          StatusCodes.SERVICE_UNAVAILABLE,
          ClusterSettings.LANE_UNREACHABLE,
          "Lane unreachable",
          "lane "
              + receipt.laneKey()
              + " did not answer: its node was lost and it is moving to another; submit again"
              + " with the same id (an event that was accepted after all runs once)",
          settings.retryAfter());
    }
    if (EventRegistry.DUPLICATE.equals(reason)) {
      return Problem.conflict(
          reason,
          "event "
              + receipt.eventId()
              + " was submitted before, through another node; it runs once: look it up by id");
    }
    if (Parley.QUEUE_FULL.equals(reason)) {
      Duration estimate = Duration.ofMillis(receipt.retryAfterMs());
      Duration retryAfter =
          estimate.compareTo(settings.retryAfter()) > 0 ? estimate : settings.retryAfter();
      return Problem.retryLater(
          StatusCodes.TOO_MANY_REQUESTS,
          "queue-full",
          "Queue full",
          "lane " + receipt.laneKey() + " or the runtime has no room now; try again later",
          retryAfter);
    }
    return Problem.conflict(
        reason, "lane " + receipt.laneKey() + " is busy and its policy refuses new events");
  }

  private HttpResponse shuttingDown() {
    return Problem.retryLater(
        StatusCodes.SERVICE_UNAVAILABLE,
        "shutting-down",
        "Shutting down",
        "the server is draining and accepts no new events",
        settings.retryAfter());
  }

  /**
   * The event's view; with {@code Prefer: wait=N}, once it has ended or N seconds have passed (a
   * long poll for its outcome), with {@code Preference-Applied}.
   */
  private CompletionStage<HttpResponse> view(
      String spaceId, String eventId, Optional<String> prefer) {
    Optional<Duration> wait;
    try {
      wait = preferredWait(prefer);
    } catch (EventRequest.BadRequest e) {
      return CompletableFuture.completedFuture(Problem.badRequest(e.getMessage()));
    }
    if (wait.isEmpty()) {
      return view(spaceId, eventId);
    }
    return status(spaceId, eventId)
        .thenCompose(
            now ->
                now.filter(s -> s.spaceId().equals(spaceId))
                        .filter(s -> s.state() != EventStatus.State.FINISHED)
                        .isPresent()
                    ? ended(eventId, wait.get())
                    : CompletableFuture.completedFuture(true))
        .thenCompose(done -> view(spaceId, eventId))
        .thenApply(response -> applied(response, wait.get()));
  }

  private CompletionStage<HttpResponse> view(String spaceId, String eventId) {
    return status(spaceId, eventId)
        .thenApply(
            status ->
                status
                    .filter(s -> s.spaceId().equals(spaceId))
                    .map(s -> Json.response(StatusCodes.OK, Views.event(s)))
                    .orElseGet(() -> Problem.unknownEvent(spaceId, eventId)));
  }

  private CompletionStage<HttpResponse> cancel(String spaceId, String eventId) {
    return status(spaceId, eventId)
        .thenCompose(
            status -> {
              if (status.filter(s -> s.spaceId().equals(spaceId)).isEmpty()) {
                return CompletableFuture.completedFuture(Problem.unknownEvent(spaceId, eventId));
              }
              return parley
                  .cancel(eventId)
                  .thenCompose(
                      cancelled ->
                          cancelled
                              ? view(spaceId, eventId)
                              : CompletableFuture.completedFuture(
                                  Problem.notPending(eventId, "cancelled")));
            });
  }

  /**
   * Moves a pending event to {@code position} among its lane's pending events (0 runs next; past
   * the end: last) and answers the lane's view; 409 when it is not pending.
   */
  private CompletionStage<HttpResponse> move(
      String spaceId, String eventId, Optional<String> positionParam) {
    int position;
    try {
      position = Integer.parseInt(positionParam.orElse(""));
    } catch (NumberFormatException e) {
      position = -1;
    }
    if (position < 0) {
      return CompletableFuture.completedFuture(
          Problem.badRequest("position: must be a query parameter 0 or more, as in ?position=0"));
    }
    int index = position;
    return status(spaceId, eventId)
        .thenCompose(
            status -> {
              if (status.filter(s -> s.spaceId().equals(spaceId)).isEmpty()) {
                return CompletableFuture.completedFuture(Problem.unknownEvent(spaceId, eventId));
              }
              String laneKey = status.get().laneKey();
              return parley
                  .move(eventId, index)
                  .thenCompose(
                      moved ->
                          moved
                              ? parley
                                  .lane(laneKey)
                                  .thenApply(
                                      lane -> Json.response(StatusCodes.OK, Views.lane(lane)))
                              : CompletableFuture.completedFuture(
                                  Problem.notPending(eventId, "moved")));
            });
  }

  /**
   * The event's status; one this node does not know is asked of its space's lane too (in cluster
   * mode the event may have come in through another node).
   */
  private CompletionStage<Optional<EventStatus>> status(String spaceId, String eventId) {
    return parley.status(directory.laneOf(spaceId).orElse(spaceId), eventId);
  }
}
