package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.patch;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.CancelReport;
import dev.parley.runtime.Event;
import dev.parley.runtime.EventStatus;
import dev.parley.runtime.LaneView;
import dev.parley.runtime.Parley;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The queue controls: {@code PATCH /v1/spaces/{spaceId}/events/{id}} (a pending event's priority
 * and place), {@code POST /v1/spaces/{spaceId}/cancel} and {@code POST /v1/cancel} (bulk cancels),
 * {@code PATCH /v1/spaces/{spaceId}/order} (bulk reorder). Each changes pending events only. And
 * {@code /v1/groups/{group}}: a parallel group's running and pending events, and its N.
 */
final class QueueRoutes {
  private final Parley parley;
  private final GatewaySettings settings;
  private final Access access;
  private final Origins origins;
  private final SpaceDirectory directory;

  QueueRoutes(
      Parley parley,
      GatewaySettings settings,
      Access access,
      Origins origins,
      SpaceDirectory directory) {
    this.parley = parley;
    this.directory = directory;
    this.settings = settings;
    this.access = access;
    this.origins = origins;
  }

  /** The routes under {@code /v1/spaces/{spaceId}}, for a space id already checked. */
  Route route(String spaceId) {
    return concat(
        pathPrefix(
            "events",
            () ->
                pathPrefix(
                    eventId ->
                        pathEnd(
                            () ->
                                patch(
                                    () ->
                                        mutating(
                                            Role.ADMIN, body -> change(spaceId, eventId, body)))))),
        path(
            "cancel",
            () -> post(() -> mutating(Role.SUBMIT, body -> cancelInSpace(spaceId, body)))),
        path("order", () -> patch(() -> mutating(Role.ADMIN, body -> reorder(spaceId, body)))));
  }

  /**
   * {@code POST /v1/cancel}: events of any space, by their space and id; {@code GET} and {@code PUT
   * /v1/groups/{group}}: a parallel group's view, and its N.
   */
  Route route() {
    return concat(
        path(
            "cancel",
            () -> post(() -> mutating(Role.ADMIN, body -> cancel(QueueRequest.named(body))))),
        pathPrefix(
            "groups",
            () ->
                pathPrefix(
                    group ->
                        pathEnd(
                            () ->
                                concat(
                                    get(
                                        () ->
                                            access.require(
                                                Role.READ,
                                                () -> completeWithFuture(group(group, null)))),
                                    put(
                                        () ->
                                            mutating(
                                                Role.ADMIN,
                                                body ->
                                                    group(
                                                        group,
                                                        QueueRequest.maxParallel(body)))))))));
  }

  /**
   * The view of the parallel group {@code group}, after setting its N to {@code maxParallel} when
   * not null; 404 for a group that is not parallel.
   */
  private CompletionStage<HttpResponse> group(String group, Integer maxParallel) {
    if (!Event.isName(group)) {
      return done(
          Problem.badRequest(
              "group: must match "
                  + Event.NAME.pattern()
                  + ", got \""
                  + SpaceRoutes.abbreviate(group)
                  + "\""));
    }
    try {
      if (maxParallel != null) {
        parley.groupParallelism(group, maxParallel);
      }
      return parley
          .group(group)
          .thenApply(view -> Json.response(StatusCodes.OK, Views.group(view)));
    } catch (IllegalArgumentException notParallel) {
      return done(Problem.notFound(notParallel.getMessage()));
    }
  }

  /**
   * A mutating route: a JSON body within the size limit, from an allowed origin, by {@code role}.
   */
  private Route mutating(Role role, Function<String, CompletionStage<HttpResponse>> answer) {
    return origins.post(
        () ->
            access.require(
                role,
                () ->
                    withSizeLimit(
                        settings.maxBody(),
                        () ->
                            entity(
                                Unmarshaller.entityToString(),
                                body -> completeWithFuture(answer.apply(body))))));
  }

  /**
   * Cancels the space's pending events of {@code ids}, or every one of them without {@code ids}.
   */
  private CompletionStage<HttpResponse> cancelInSpace(String spaceId, String body) {
    return QueueRequest.ids(body, false)
        .map(ids -> done(ids.stream().map(id -> new QueueRequest.Named(spaceId, id)).toList()))
        .orElseGet(() -> pendingOf(spaceId))
        .thenCompose(this::cancel);
  }

  /**
   * The pending events of {@code spaceId}: in its own lane, and in its group's (where its newest
   * event went), which other spaces may share.
   */
  private CompletionStage<List<QueueRequest.Named>> pendingOf(String spaceId) {
    Set<String> lanes = new LinkedHashSet<>();
    lanes.add(spaceId);
    directory.laneOf(spaceId).ifPresent(lanes::add);
    List<CompletableFuture<LaneView>> views =
        lanes.stream().map(lane -> parley.lane(lane).toCompletableFuture()).toList();
    return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new))
        .thenApply(
            all ->
                views.stream()
                    .flatMap(view -> view.join().pending().stream())
                    .filter(status -> status.spaceId().equals(spaceId))
                    .map(status -> new QueueRequest.Named(spaceId, status.eventId()))
                    .toList());
  }

  /**
   * Cancels the pending events among {@code asked}; an id that is not an event of the space named
   * with it is reported {@code unknown}, like one Parley does not know.
   */
  private CompletionStage<HttpResponse> cancel(List<QueueRequest.Named> asked) {
    List<String> known = asked.stream().filter(this::known).map(QueueRequest.Named::id).toList();
    return parley
        .cancelAll(known)
        .thenApply(
            report -> {
              Set<String> cancelled = Set.copyOf(report.cancelled());
              Map<String, String> reasons = new HashMap<>();
              report.notCancelled().forEach(not -> reasons.put(not.id(), not.reason()));
              List<CancelReport.NotCancelled> refused =
                  asked.stream()
                      .map(QueueRequest.Named::id)
                      .filter(id -> !cancelled.contains(id))
                      .distinct()
                      .map(
                          id ->
                              new CancelReport.NotCancelled(
                                  id, reasons.getOrDefault(id, CancelReport.UNKNOWN)))
                      .toList();
              return Json.response(
                  StatusCodes.OK,
                  Views.cancelReport(new CancelReport(report.cancelled(), refused)));
            });
  }

  private boolean known(QueueRequest.Named named) {
    return parley.event(named.id()).filter(e -> e.spaceId().equals(named.spaceId())).isPresent();
  }

  /**
   * Runs the space's pending events {@code ids} first, in that order, and answers the lane's view;
   * 404 for an id that is not an event of this space, 409 when one is not pending in its lane.
   */
  private CompletionStage<HttpResponse> reorder(String spaceId, String body) {
    List<String> ids = QueueRequest.ids(body, true).orElseThrow();
    Optional<String> stranger =
        ids.stream().filter(id -> !known(new QueueRequest.Named(spaceId, id))).findFirst();
    if (stranger.isPresent()) {
      return done(Problem.unknownEvent(spaceId, stranger.get()));
    }
    String laneKey = parley.event(ids.get(0)).orElseThrow().laneKey();
    return parley
        .reorder(laneKey, ids)
        .thenCompose(
            notPending ->
                notPending.isEmpty()
                    ? parley
                        .lane(laneKey)
                        .thenApply(lane -> Json.response(StatusCodes.OK, Views.lane(lane)))
                    : done(
                        Problem.conflict(
                            "not-pending",
                            "events "
                                + notPending
                                + " are running, have ended or are in another lane: only pending"
                                + " events of one lane can be reordered")));
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
            status -> Json.response(StatusCodes.OK, Views.withPriority(status.orElseThrow())));
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
