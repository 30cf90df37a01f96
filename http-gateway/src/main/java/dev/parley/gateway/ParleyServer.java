package dev.parley.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.Parley;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Parley runtime and its HTTP gateway in one process. On shutdown (SIGTERM, or {@link #stop()})
 * readiness turns false and new events get 503 with Retry-After while the runtime drains; then the
 * port is unbound and the actor system stops.
 */
public final class ParleyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ParleyServer.class);

  private final ActorSystem<Void> system;
  private final Parley parley;
  private final ServerBinding binding;
  private final AtomicBoolean ready = new AtomicBoolean(true);

  private ParleyServer(Function<ActorSystem<?>, Parley.Builder> runtime, Config config) {
    GatewaySettings settings = GatewaySettings.from(config);
    Duration drain = config.getDuration("parley.shutdown.drain-timeout");
    Config withPhases =
        ConfigFactory.parseString(
                "pekko.coordinated-shutdown.phases.before-service-unbind.timeout = "
                    + drain.plusSeconds(5).toMillis()
                    + "ms")
            .withFallback(config);
    this.system =
        ActorSystem.create(
            Behaviors.empty(), withPhases.getString("parley.system-name"), withPhases);
    try {
      SpaceStreams streams = new SpaceStreams(settings.sseBuffer(), settings.sseHeartbeat());
      GatewayMetrics metrics = new GatewayMetrics();
      this.parley =
          runtime
              .apply(system)
              .listener(streams)
              .listener(metrics)
              .actorSystem(system)
              .config(withPhases)
              .build();
      metrics.bind(parley, streams);
      // Stop taking events and drain while the port still answers (503), then unbind.
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeServiceUnbind(),
              "parley-server-drain",
              () -> {
                ready.set(false);
                return parley.drain();
              });
      // After the drain, end the event streams, so that they do not hold the unbinding port.
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseServiceUnbind(),
              "parley-server-streams",
              () -> {
                streams.completeAll();
                return CompletableFuture.completedFuture(Done.getInstance());
              });
      GatewayRoutes routes = new GatewayRoutes(parley, settings, ready::get, streams, metrics);
      this.binding =
          Http.get(system)
              .newServerAt(settings.host(), settings.port())
              .bind(routes.route())
              .toCompletableFuture()
              .get(settings.bindTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .addToCoordinatedShutdown(Duration.ofSeconds(10), system);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException(
          "cannot start the server on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage(),
          e);
    }
    log.info("Parley listening on http://{}:{}", host(), port());
  }

  /**
   * Starts a runtime from {@code runtime} (its handler, retry policy; the server supplies the actor
   * system and {@code config}) and serves it on {@code parley.http.host}:{@code parley.http.port}.
   */
  public static ParleyServer start(Parley.Builder runtime, Config config) {
    return start(system -> runtime, config);
  }

  /**
   * As {@link #start(Parley.Builder, Config)}, for a runtime whose handler needs the server's actor
   * system (the {@link ForwardingHandler}'s HTTP client, for one).
   */
  public static ParleyServer start(
      Function<ActorSystem<?>, Parley.Builder> runtime, Config config) {
    return new ParleyServer(runtime, config.withFallback(ConfigFactory.load()).resolve());
  }

  public Parley parley() {
    return parley;
  }

  public String host() {
    return binding.localAddress().getHostString();
  }

  /** The bound port (useful when {@code parley.http.port = 0}). */
  public int port() {
    return binding.localAddress().getPort();
  }

  /** Whether the server accepts new events (false once it drains). */
  public boolean isReady() {
    return ready.get() && parley.isAccepting();
  }

  /** Drains, unbinds and stops, as on SIGTERM; completes when the actor system has terminated. */
  public CompletionStage<Done> stop() {
    system.terminate();
    return system.getWhenTerminated();
  }

  /** Completes when the server has stopped, by {@link #stop()} or by the JVM's shutdown. */
  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  @Override
  public void close() {
    stop().toCompletableFuture().join();
  }
}
