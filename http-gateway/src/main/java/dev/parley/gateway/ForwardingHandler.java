package dev.parley.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.typesafe.config.Config;
import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.NonRetryableException;
import dev.parley.runtime.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharset;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * Puts Parley in front of an existing agent's HTTP endpoint: each event's payload is POSTed as JSON
 * to {@code parley.forward.url} over Pekko HTTP's pooled client, and the upstream's answer becomes
 * the event's reply. Parley calls a handler for one event of a lane at a time, so the upstream sees
 * each conversation's events in order and never two of them at once.
 *
 * <p>A 2xx JSON body becomes the reply as plain Java values (maps, lists, strings, numbers,
 * booleans), any other 2xx body a string, an empty one {@link Reply#empty()}. Upstream 5xx, 408,
 * 429, connection failures and {@code parley.forward.timeout} fail with {@link UpstreamException},
 * which a retry policy retries; other 4xx, 3xx and unreadable JSON fail with {@link
 * NonRetryableException}. Safe to share between lanes: it keeps no state per event.
 *
 * <p>A request Parley gave up on (its handler timeout, shutdown) cannot be recalled: the upstream
 * may still be working on it while the lane's next event arrives.
 */
public final class ForwardingHandler implements Handler {
  /** The event's id; characters outside printable ASCII, and {@code %}, are percent-encoded. */
  public static final String EVENT_ID_HEADER = "X-Parley-Event-Id";

  /** The event's space id. */
  public static final String SPACE_HEADER = "X-Parley-Space";

  /** The event's lane: its group if it has one, else its space id. */
  public static final String LANE_HEADER = "X-Parley-Lane";

  /** 1 for the first attempt of an event, 2 for its first retry, … */
  public static final String ATTEMPT_HEADER = "X-Parley-Attempt";

  /**
   * {@code true} when the event was running when Parley stopped and is delivered again after the
   * restart (a journal's redelivery): the upstream may have seen it once already.
   */
  public static final String REDELIVERED_HEADER = "X-Parley-Redelivered";

  /** How much of an upstream's error body an exception message quotes. */
  private static final int EXCERPT_CHARS = 200;

  private final Settings settings;
  private final ActorSystem<?> system;
  private final Http http;
  private final ConnectionPoolSettings pool;
  private final Materializer materializer;

  private ForwardingHandler(ActorSystem<?> system, Settings settings) {
    this.settings = settings;
    this.system = system;
    this.http = Http.get(system);
    this.pool =
        ConnectionPoolSettings.create(system.settings().config())
            .withMaxConnections(settings.maxConnections())
            .withMaxOpenRequests(settings.maxOpenRequests());
    this.materializer = Materializer.matFromSystem(system);
  }

  /**
   * A handler forwarding to {@code parley.forward} of {@code system}'s configuration.
   *
   * @throws IllegalArgumentException naming the key, when {@code parley.forward} is not valid
   */
  public static ForwardingHandler create(ActorSystem<?> system) {
    return create(system, system.settings().config());
  }

  /**
   * A handler forwarding to {@code parley.forward} of {@code config} (a complete configuration, its
   * reference defaults included), whose client runs in {@code system}.
   *
   * @throws IllegalArgumentException naming the key, when {@code parley.forward} is not valid
   */
  public static ForwardingHandler create(ActorSystem<?> system, Config config) {
    Objects.requireNonNull(system, "system");
    return new ForwardingHandler(system, Settings.from(config));
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Sends the event and completes with the upstream's reply; never blocks. The stage may be
   * cancelled (Parley's timeout): the response is then read and discarded, so the pooled connection
   * is freed for the next request.
   */
  @Override
  public CompletionStage<Reply> handle(Event event, LaneContext lane) {
    HttpRequest request;
    try {
      request = request(event, lane);
    } catch (IllegalStateException e) {
      return CompletableFuture.failedFuture(
          new NonRetryableException("payload: cannot be sent as JSON: " + e.getMessage(), e));
    }
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    Cancellable timer =
        system
            .scheduler()
            .scheduleOnce(
                settings.timeout(),
                () -> reply.completeExceptionally(UpstreamException.noAnswer(settings)),
                system.executionContext());
    reply.whenComplete((value, error) -> timer.cancel());
    // The entity is read to the end whatever happens to `reply`: an unread one holds its
    // connection.
    http.singleRequest(
            request, http.defaultClientHttpsContext(), pool, system.classicSystem().log())
        .thenCompose(
            response ->
                response
                    .entity()
                    .toStrict(settings.timeout().toMillis(), materializer)
                    .thenApply(entity -> new Answer(response.status(), entity)))
        .whenComplete((answer, error) -> settle(reply, answer, error));
    return reply;
  }

  private HttpRequest request(Event event, LaneContext lane) {
    List<HttpHeader> headers =
        List.of(
            RawHeader.create(EVENT_ID_HEADER, headerSafe(event.id())),
            RawHeader.create(SPACE_HEADER, event.spaceId()),
            RawHeader.create(LANE_HEADER, lane.laneKey()),
            RawHeader.create(ATTEMPT_HEADER, Integer.toString(lane.attempt())),
            RawHeader.create(REDELIVERED_HEADER, Boolean.toString(lane.redelivered())));
    return HttpRequest.POST(settings.url())
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.bytes(event.payload())))
        .addHeaders(headers);
  }

  private void settle(CompletableFuture<Reply> reply, Answer answer, Throwable error) {
    if (error != null) {
      reply.completeExceptionally(UpstreamException.unreachable(settings, unwrap(error)));
      return;
    }
    try {
      reply.complete(answer.toReply());
    } catch (RuntimeException e) {
      reply.completeExceptionally(e);
    }
  }

  private static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException)
        && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }

  /** Event ids may hold any character but controls; a header value is printable ASCII. */
  static String headerSafe(String value) {
    if (value.chars().allMatch(ForwardingHandler::isPlainHeaderChar)) {
      return value;
    }
    StringBuilder encoded = new StringBuilder();
    for (byte b : value.getBytes(UTF_8)) {
      int c = b & 0xff;
      if (isPlainHeaderChar(c)) {
        encoded.append((char) c);
      } else {
        encoded.append('%').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return encoded.toString();
  }

  private static boolean isPlainHeaderChar(int c) {
    return c > ' ' && c < 0x7f && c != '%';
  }

  /** The upstream's status and its whole body. */
  private record Answer(StatusCode status, HttpEntity.Strict entity) {
    Reply toReply() {
      int code = status.intValue();
      if (status.isSuccess()) {
        return body();
      }
      String what = "upstream answered " + code + " " + status.reason() + ": " + excerpt();
      if (code >= 500 || code == 408 || code == 429) {
        throw new UpstreamException(code, what); // the upstream may do better on another try
      }
      throw new NonRetryableException(what);
    }

    private Reply body() {
      ByteString data = entity.getData();
      if (data.isEmpty()) {
        return Reply.empty();
      }
      ContentType type = entity.getContentType();
      if (isJson(type.mediaType())) {
        try {
          return Reply.of(Json.MAPPER.readValue(data.toArray(), Object.class));
        } catch (IOException e) {
          throw new NonRetryableException(
              "upstream answered " + status.intValue() + " with unreadable JSON: " + e.getMessage(),
              e);
        }
      }
      return Reply.of(data.decodeString(charset(type)));
    }

    private String excerpt() {
      String text = entity.getData().decodeString(charset(entity.getContentType()));
      String flat = text.replaceAll("\\p{Cntrl}+", " ").strip();
      return flat.length() > EXCERPT_CHARS ? flat.substring(0, EXCERPT_CHARS) + "…" : flat;
    }

    private static boolean isJson(MediaType media) {
      String sub = media.subType().toLowerCase(Locale.ROOT);
      return media.isApplication() && (sub.equals("json") || sub.endsWith("+json"));
    }

    private static Charset charset(ContentType type) {
      return type.getCharsetOption().map(HttpCharset::nioCharset).orElse(UTF_8);
    }
  }

  /**
   * The upstream could not answer this time: a 5xx, 408 or 429 (its {@link #status()}), no
   * connection, or no answer within {@code parley.forward.timeout} (status 0). Retryable.
   */
  public static final class UpstreamException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public UpstreamException(int status, String message) {
      super(message);
      this.status = status;
    }

    public UpstreamException(String message, Throwable cause) {
      super(message, cause);
      this.status = 0;
    }

    /** The upstream's HTTP status, or 0 when it did not answer. */
    public int status() {
      return status;
    }

    static UpstreamException noAnswer(Settings settings) {
      return new UpstreamException(
          0,
          "upstream "
              + settings.url()
              + " did not answer within parley.forward.timeout ("
              + settings.timeout()
              + ")");
    }

    static UpstreamException unreachable(Settings settings, Throwable cause) {
      return new UpstreamException(
          "cannot reach upstream " + settings.url() + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * The {@code parley.forward} section, read and validated once.
   *
   * @param url the absolute http or https URL each event is POSTed to
   * @param timeout how long one request may take, its response body included
   * @param maxConnections connections the client pool keeps to the upstream
   * @param maxOpenRequests requests the pool holds at once (running or waiting for a connection)
   */
  public record Settings(String url, Duration timeout, int maxConnections, int maxOpenRequests) {
    private static final String URL = "parley.forward.url";
    private static final String TIMEOUT = "parley.forward.timeout";
    private static final String MAX_CONNECTIONS = "parley.forward.max-connections";
    private static final String MAX_OPEN_REQUESTS = "parley.forward.max-open-requests";

    /**
     * @throws IllegalArgumentException naming the key, when a value is missing or out of range
     */
    public Settings {
      url = validUrl(url);
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(TIMEOUT + ": must be positive, got " + timeout);
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            MAX_CONNECTIONS + ": must be at least 1, got " + maxConnections);
      }
      if (maxOpenRequests < 1 || Integer.bitCount(maxOpenRequests) != 1) {
        throw new IllegalArgumentException(
            MAX_OPEN_REQUESTS + ": must be a power of two, got " + maxOpenRequests);
      }
    }

    /**
     * @throws IllegalArgumentException naming the key, when a value is missing or out of range
     */
    public static Settings from(Config config) {
      if (!config.hasPath(URL)) {
        throw new IllegalArgumentException(URL + ": missing (is reference.conf on the classpath?)");
      }
      return new Settings(
          config.getString(URL),
          config.getDuration(TIMEOUT),
          config.getInt(MAX_CONNECTIONS),
          config.getInt(MAX_OPEN_REQUESTS));
    }

    private static String validUrl(String url) {
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException(
            URL + ": not configured; set it to the upstream's http or https URL");
      }
      String problem = "must be an absolute http or https URL with a host, got \"" + url + "\"";
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(URL + ": " + problem + " (" + e.getReason() + ")", e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https"))
          || uri.getHost() == null
          || uri.getHost().isEmpty()) {
        throw new IllegalArgumentException(URL + ": " + problem);
      }
      try {
        HttpRequest.POST(url); // Pekko's parser is stricter than java.net.URI in places
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(URL + ": " + problem + " (" + e.getMessage() + ")", e);
      }
      return url;
    }
  }
}
