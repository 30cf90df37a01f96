package dev.parley.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Every error the gateway answers, as RFC 9457 {@code application/problem+json}: {@code type} (a
 * stable URI naming the problem), {@code title}, {@code status}, {@code detail}. Built here and
 * nowhere else.
 */
final class Problem {
  static final ContentType PROBLEM_JSON =
      MediaTypes.applicationWithFixedCharset(
              "problem+json", org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8)
          .toContentType();
  private static final String TYPE_BASE = "https://parley.dev/problems/";

  private Problem() {}

  static HttpResponse of(StatusCode status, String type, String title, String detail) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("type", TYPE_BASE + type);
    body.put("title", title);
    body.put("status", status.intValue());
    body.put("detail", detail);
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(PROBLEM_JSON, Json.bytes(body)));
  }

  static HttpResponse badRequest(String detail) {
    return of(StatusCodes.BAD_REQUEST, "bad-request", "Bad request", detail);
  }

  static HttpResponse notFound(String detail) {
    return of(StatusCodes.NOT_FOUND, "not-found", "Not found", detail);
  }

  static HttpResponse conflict(String type, String detail) {
    return of(StatusCodes.CONFLICT, type, "Conflict", detail);
  }

  /** 409 for an event that is running or has ended: only a pending one can be {@code done}. */
  static HttpResponse notPending(String eventId, String done) {
    return conflict(
        "not-pending",
        "event " + eventId + " is running or has ended: only a pending event can be " + done);
  }

  static HttpResponse unknownEvent(String spaceId, String eventId) {
    return notFound("no event " + eventId + " in space " + spaceId);
  }

  /** A refusal the client may retry after {@code retryAfter}. */
  static HttpResponse retryLater(
      StatusCode status, String type, String title, String detail, Duration retryAfter) {
    long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    return of(status, type, title, detail)
        .addHeader(RawHeader.create("Retry-After", Long.toString(seconds)));
  }
}
