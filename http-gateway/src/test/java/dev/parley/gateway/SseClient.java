package dev.parley.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Server-Sent Events client for tests: reads one stream on a thread of its own and hands out its
 * frames in order, each event's fields gathered, each comment line a frame of its own.
 */
final class SseClient implements AutoCloseable {
  /** One SSE frame: an event ({@code type}, {@code id}, {@code data}) or a comment. */
  record Frame(String type, String id, String data, String comment) {
    /**
     * A comment, or Pekko's heartbeat: an event of empty data and nothing else, which EventSource
     * ignores.
     */
    boolean isHeartbeat() {
      return comment != null || (type == null && id == null && "".equals(data));
    }
  }

  private static final Frame END = new Frame(null, null, null, null);

  private final HttpResponse<Stream<String>> response;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseClient(HttpResponse<Stream<String>> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens {@code path} of {@code gateway} and returns once the response's headers arrived. */
  static SseClient open(TestGateway gateway, String path, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gateway.base() + path))
            .header("Accept", "text/event-stream");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return new SseClient(
          gateway.client().send(request.build(), HttpResponse.BodyHandlers.ofLines()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  int status() {
    return response.statusCode();
  }

  String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** The next frame, waiting up to {@link TestGateway#PATIENCE}; fails when none comes. */
  Frame next() {
    Frame frame;
    try {
      frame = frames.poll(TestGateway.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (frame == null) {
      throw new AssertionError("no frame within " + TestGateway.PATIENCE);
    }
    if (frame == END) {
      frames.add(END);
      throw new AssertionError("the stream ended");
    }
    return frame;
  }

  /** Waits up to {@link TestGateway#PATIENCE} for the stream to end; fails on any other frame. */
  void awaitEnd() {
    try {
      Frame frame = frames.poll(TestGateway.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      if (frame != END) {
        throw new AssertionError("the stream did not end in time, got " + frame);
      }
      frames.add(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next event frame, skipping heartbeats. */
  Frame nextEvent() {
    Frame frame = next();
    while (frame.isHeartbeat()) {
      frame = next();
    }
    return frame;
  }

  private void read() {
    String type = null;
    String id = null;
    StringBuilder data = null;
    try (Stream<String> lines = response.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isEmpty()) {
          if (data != null || type != null || id != null) {
            frames.add(new Frame(type, id, data == null ? null : data.toString(), null));
          }
          type = null;
          id = null;
          data = null;
        } else if (line.startsWith(":")) {
          frames.add(new Frame(null, null, null, line.substring(1)));
        } else {
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
          switch (field) {
            case "event" -> type = value;
            case "id" -> id = value;
            case "data" ->
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {}
          }
        }
      }
    } catch (UncheckedIOException | IllegalStateException e) {
      // the connection ended, or the test closed the stream before it was read
    } finally {
      frames.add(END);
    }
  }

  @Override
  public void close() {
    response.body().close();
  }
}
