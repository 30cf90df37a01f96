package dev.parley.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A runtime and the monitor routes on an ephemeral 127.0.0.1 port, with WebSocket clients that
 * collect every update they receive.
 */
final class TestMonitor implements AutoCloseable {
  static final Duration PATIENCE = Duration.ofSeconds(15);
  static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SYSTEMS = new AtomicInteger();

  final ActorSystem<Void> system;
  final Parley parley;
  final HttpClient http = HttpClient.newHttpClient();
  final MonitorRoutes routes;
  private final ServerBinding binding;

  private TestMonitor(ParleyBuilder runtime, String hocon, MonitorAccess access) {
    var config =
        ConfigFactory.parseString(
                "parley.monitor.interval = 100ms\nparley.shutdown.drain-timeout = 5s\n" + hocon)
            .withFallback(ConfigFactory.load())
            .resolve();
    system =
        ActorSystem.create(Behaviors.empty(), "monitor-test-" + SYSTEMS.incrementAndGet(), config);
    parley = runtime.actorSystem(system).config(config).build();
    routes = new MonitorRoutes(parley, MonitorSettings.from(config), access);
    binding = await(Http.get(system).newServerAt("127.0.0.1", 0).bind(routes.route()));
  }

  static TestMonitor start(ParleyBuilder runtime, String hocon) {
    return new TestMonitor(runtime, hocon, MonitorAccess.OPEN);
  }

  static TestMonitor start(ParleyBuilder runtime, String hocon, MonitorAccess access) {
    return new TestMonitor(runtime, hocon, access);
  }

  int port() {
    return binding.localAddress().getPort();
  }

  String http(String path) {
    return "http://127.0.0.1:" + binding.localAddress().getPort() + path;
  }

  URI ws(String pathAndQuery) {
    return URI.create("ws://127.0.0.1:" + binding.localAddress().getPort() + pathAndQuery);
  }

  /** Connects to {@code pathAndQuery}, offering {@code subprotocols}. */
  Feed connect(String pathAndQuery, String... subprotocols) {
    Feed feed = new Feed();
    WebSocket.Builder builder = http.newWebSocketBuilder();
    if (subprotocols.length > 0) {
      builder.subprotocols(
          subprotocols[0],
          List.of(subprotocols).subList(1, subprotocols.length).toArray(String[]::new));
    }
    feed.socket = await(builder.buildAsync(ws(pathAndQuery), feed));
    return feed;
  }

  @Override
  public void close() {
    await(parley.shutdown());
    system.terminate();
    await(system.getWhenTerminated());
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** One client's updates, parsed, in the order they arrived. */
  static final class Feed implements WebSocket.Listener {
    final ConcurrentLinkedDeque<JsonNode> updates = new ConcurrentLinkedDeque<>();
    private final StringBuilder partial = new StringBuilder();
    volatile boolean closed;
    WebSocket socket;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        JsonNode update;
        try {
          update = JSON.readTree(partial.toString());
        } catch (Exception e) {
          throw new AssertionError("not JSON: " + partial, e);
        }
        partial.setLength(0);
        synchronized (this) {
          updates.add(update);
          notifyAll(); // wakes await()
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed = true;
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed = true;
    }

    /** The first update that satisfies {@code wanted}, waiting for it. */
    synchronized JsonNode await(Predicate<JsonNode> wanted) {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (true) {
        Optional<JsonNode> found = updates.stream().filter(wanted).findFirst();
        if (found.isPresent()) {
          return found.get();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "no such update within " + PATIENCE + "; last: " + updates.peekLast());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left); // until the next update arrives
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }

    void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }
  }
}
