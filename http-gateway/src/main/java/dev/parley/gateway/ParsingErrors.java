package dev.parley.gateway;

import java.time.Duration;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.slf4j.LoggerFactory;

/**
 * Answers requests the HTTP parser refuses before any route sees them (an unknown method, a bad
 * HTTP version, a URI too long) as problem+json, and never with a 5xx: a client's mistake is a 4xx.
 * Each refusal may be logged, but at most one WARN line per interval, with the client's text
 * truncated and escaped: a client sending junk cannot flood the log or write control characters
 * into it. Set on the server by {@link HttpServerSettings}.
 */
public final class ParsingErrors extends ParsingErrorHandler {
  private static final RateLimitedLog REFUSALS =
      new RateLimitedLog(LoggerFactory.getLogger(ParsingErrors.class), Duration.ofSeconds(10));

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    String detail = info.summary();
    REFUSALS.warn(
        "refused a request the parser could not read ({}): {}",
        status.intValue(),
        RateLimitedLog.quote(info.formatPretty()));
    if (status.intValue() == 501) {
      return Problem.of(
              StatusCodes.METHOD_NOT_ALLOWED, "method-not-allowed", "Method not allowed", detail)
          .addHeader(RawHeader.create("Allow", "GET, HEAD, POST, DELETE"));
    }
    if (status.intValue() >= 500) {
      return Problem.badRequest(detail);
    }
    return Problem.of(StatusCodes.get(status.intValue()), "bad-request", status.reason(), detail);
  }
}
