package dev.parley.load;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongFunction;

/**
 * The requests of a run, request number {@code n} from 0: a submit to space {@code load-(n %
 * spaces)}, {@code GET /healthz}, or one URL. Every body is the same event JSON, {@code
 * {"payload":{"text":"xx…"}}}, its text {@code payloadBytes} characters long, which the demo's echo
 * bot and the echo server both accept.
 */
final class Requests implements LongFunction<HttpRequest> {
  private final Target target;
  private final URI uri;
  private final String method;
  private final int spaces;
  private final int waitSeconds;
  private final Duration timeout;
  private final byte[] body;

  /** What a run measures. */
  enum Target {
    /** {@code POST /v1/spaces/{space}/events}: Parley's submit. */
    SUBMIT,
    /** {@code GET /healthz}: the server's ceiling, a route that does nothing. */
    HEALTHZ,
    /** Any URL on the server's host: a raw route to compare with. */
    URL
  }

  /**
   * @param target what is measured
   * @param uri the server's base URL, or the whole URL for {@link Target#URL}
   * @param method GET or POST, for {@link Target#URL}
   * @param spaces how many spaces the submits go to, in turn
   * @param payloadBytes the length of the payload's text
   * @param waitSeconds {@code Prefer: wait=N} on each submit, or 0 for fire-and-forget (202)
   * @param timeout how long a request may take before it counts as failed
   */
  Requests(
      Target target,
      URI uri,
      String method,
      int spaces,
      int payloadBytes,
      int waitSeconds,
      Duration timeout) {
    this.target = target;
    this.uri = uri;
    this.method = method;
    this.spaces = spaces;
    this.waitSeconds = waitSeconds;
    this.timeout = timeout;
    this.body =
        ("{\"payload\":{\"text\":\"" + "x".repeat(payloadBytes) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public HttpRequest apply(long n) {
    return switch (target) {
      case SUBMIT -> {
        HttpRequest.Builder submit = post(uri.resolve("/v1/spaces/load-" + n % spaces + "/events"));
        yield (waitSeconds > 0 ? submit.header("Prefer", "wait=" + waitSeconds) : submit).build();
      }
      case HEALTHZ -> builder(uri.resolve("/healthz")).GET().build();
      case URL -> method.equals("GET") ? builder(uri).GET().build() : post(uri).build();
    };
  }

  /** What the report calls the target: method, URL and headers. */
  String describe() {
    return switch (target) {
      case SUBMIT ->
          "POST "
              + uri.resolve("/v1/spaces/")
              + "{load-0..load-"
              + (spaces - 1)
              + "}/events"
              + (waitSeconds > 0 ? ", Prefer: wait=" + waitSeconds : ", fire-and-forget");
      case HEALTHZ -> "GET " + uri.resolve("/healthz");
      case URL -> method + " " + uri;
    };
  }

  private HttpRequest.Builder post(URI to) {
    return builder(to)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  private HttpRequest.Builder builder(URI to) {
    return HttpRequest.newBuilder(to).timeout(timeout);
  }
}
