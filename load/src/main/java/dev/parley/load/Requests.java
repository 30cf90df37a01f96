package dev.parley.load;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.LongFunction;

/**
 * The requests of a run, request number {@code n} from 0: a submit to space {@code load-(n %
 * spaces)}, {@code GET /healthz}, or one URL. Every body is the same event JSON, {@code
 * {"payload":{"text":"xx…"}}}, its text {@code payloadBytes} characters long, which the demo's echo
 * bot and the echo server both accept.
 */
final class Requests implements LongFunction<FullHttpRequest> {
  private final Target target;
  private final URI uri;
  private final String method;
  private final int spaces;
  private final int waitSeconds;
  private final String host;
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
   */
  Requests(Target target, URI uri, String method, int spaces, int payloadBytes, int waitSeconds) {
    this.target = target;
    this.uri = uri;
    this.method = method;
    this.spaces = spaces;
    this.waitSeconds = waitSeconds;
    this.host = uri.getHost() + ":" + port(uri);
    this.body =
        ("{\"payload\":{\"text\":\"" + "x".repeat(payloadBytes) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
  }

  /** The host of the server the requests go to. */
  String serverHost() {
    return uri.getHost();
  }

  /** The port of the server the requests go to. */
  int serverPort() {
    return port(uri);
  }

  /** The port {@code uri} names, or HTTP's default. */
  private static int port(URI uri) {
    return uri.getPort() == -1 ? 80 : uri.getPort();
  }

  @Override
  public FullHttpRequest apply(long n) {
    return switch (target) {
      case SUBMIT -> {
        FullHttpRequest submit = post("/v1/spaces/load-" + n % spaces + "/events");
        if (waitSeconds > 0) {
          submit.headers().set("Prefer", "wait=" + waitSeconds);
        }
        yield submit;
      }
      case HEALTHZ -> request(HttpMethod.GET, "/healthz");
      case URL -> method.equals("GET") ? request(HttpMethod.GET, pathOf(uri)) : post(pathOf(uri));
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

  private FullHttpRequest post(String path) {
    FullHttpRequest post =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
    post.headers()
        .set(HttpHeaderNames.HOST, host)
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return post;
  }

  private FullHttpRequest request(HttpMethod method, String path) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.EMPTY_BUFFER);
    request.headers().set(HttpHeaderNames.HOST, host);
    return request;
  }

  private static String pathOf(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }
}
