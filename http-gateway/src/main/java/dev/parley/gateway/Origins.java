package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What a web page the operator happens to open may not do to a local server: a cross-site form POST
 * (no preflight) or a WebSocket from a foreign page. Mutating routes take only {@code
 * application/json}, an empty body included, which a form cannot send; and a request whose {@code
 * Origin} is neither the server's own (an origin whose host and port are the request's {@code
 * Host}) nor one of {@code parley.http.allowed-origins} is refused with 403. Requests without
 * {@code Origin} (curl, other servers) are not browsers' and pass.
 */
final class Origins {
  private final List<String> allowed;

  Origins(GatewaySettings settings) {
    this.allowed =
        settings.allowedOrigins().stream().map(origin -> origin.toLowerCase(Locale.ROOT)).toList();
  }

  /** For a POST route: JSON only (415), from an allowed origin (403), then {@code inner}. */
  Route post(Supplier<Route> inner) {
    return extractRequest(
        request -> {
          Optional<Route> foreign = foreign(request);
          if (foreign.isPresent()) {
            return foreign.get();
          }
          if (!request.entity().getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
            return complete(
                Problem.of(
                    StatusCodes.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "send Content-Type: application/json (an empty body included), not "
                        + request
                            .getHeader("Content-Type")
                            .map(HttpHeader::value)
                            .map(RateLimitedLog::quote)
                            .orElse("none")));
          }
          return inner.get();
        });
  }

  /** For a DELETE route or a WebSocket: from an allowed origin (403), then {@code inner}. */
  Route sameOrigin(Supplier<Route> inner) {
    return extractRequest(request -> foreign(request).orElseGet(inner));
  }

  private Optional<Route> foreign(HttpRequest request) {
    Optional<String> origin = request.getHeader("Origin").map(HttpHeader::value);
    if (origin.isEmpty()
        || allows(origin.get(), request.getHeader("Host").map(HttpHeader::value))) {
      return Optional.empty();
    }
    return Optional.of(
        complete(
            Problem.of(
                StatusCodes.FORBIDDEN,
                "forbidden-origin",
                "Forbidden origin",
                "requests from the page at "
                    + RateLimitedLog.quote(origin.get())
                    + " are refused: only the server's own origin and"
                    + " parley.http.allowed-origins may call it")));
  }

  private boolean allows(String origin, Optional<String> host) {
    String normalized = origin.trim().toLowerCase(Locale.ROOT);
    if (allowed.contains(normalized)) {
      return true;
    }
    int scheme = normalized.indexOf("://");
    if (scheme < 0 || host.isEmpty()) {
      return false; // "null" (a sandboxed or file page) among others
    }
    String prefix = normalized.substring(0, scheme);
    return (prefix.equals("http") || prefix.equals("https"))
        && normalized.substring(scheme + 3).equals(host.get().trim().toLowerCase(Locale.ROOT));
  }
}
