package dev.parley.gateway;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.monitor.MonitorSettings;
import dev.parley.runtime.Parley;
import dev.parley.runtime.ParleyBuilder;
import dev.parley.runtime.Stats;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
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
  private final String httpSettings;
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final AtomicBoolean drainedInTime = new AtomicBoolean(false);

  /** Whether the port was bound: a server that never served has no drain to report. */
  private final AtomicBoolean serving = new AtomicBoolean(false);

  private ParleyServer(Function<ActorSystem<?>, ParleyBuilder> runtime, Config config) {
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
            Behaviors.empty(),
            withPhases.getString("parley.system-name"),
            ParleyBuilder.systemConfig(withPhases));
    try {
      SpaceStreams streams = new SpaceStreams(settings.sseBuffer(), settings.sseHeartbeat());
      GatewayMetrics metrics = new GatewayMetrics();
      this.parley =
          runtime
              .apply(system)
              .listener(streams)
              .listener(metrics)
              .journalListener(metrics)
              .actorSystem(system)
              .config(withPhases)
              .build();
      metrics.bind(parley, streams);
      streams.bind(parley);
      system.getWhenTerminated().thenRun(metrics::close);
      // Stop taking events and drain while the port still answers (503), then unbind.
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeServiceUnbind(),
              "parley-server-drain",
              () -> {
                ready.set(false);
                // Past the drain timeout the runtime interrupts what is left: not a clean drain.
                long started = System.nanoTime();
                Stats.Totals before = parley.stats().totals();
                boolean report = serving.get();
                if (report) {
                  log.info(
                      "drain started: {} running, {} pending; new events get 503 (drain timeout {})",
                      before.inFlight(),
                      before.pending(),
                      drain);
                }
                return parley
                    .drain()
                    .whenComplete(
                        (done, error) -> {
                          long elapsed = System.nanoTime() - started;
                          drainedInTime.set(error == null && elapsed < drain.toNanos());
                          if (report) {
                            logDrainEnd(before, parley.stats().totals(), elapsed);
                          }
                        });
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
      GatewayRoutes routes =
          new GatewayRoutes(
              parley,
              settings,
              ready::get,
              streams,
              metrics,
              withPhases.getBoolean("parley.monitor.enabled")
                  ? Optional.of(MonitorSettings.from(withPhases))
                  : Optional.empty());
      ServerSettings serverSettings = HttpServerSettings.of(system, settings.server());
      this.httpSettings = HttpServerSettings.describe(serverSettings, settings.server());
      this.binding =
          bind(system, settings, serverSettings, routes.route(), metrics)
              .toCompletableFuture()
              .get(settings.bindTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .addToCoordinatedShutdown(Duration.ofSeconds(10), system);
    } catch (Exception e) {
      system.terminate();
      if (causedBy(e, java.net.BindException.class)) {
        throw new PortUnavailable(settings.host(), settings.port(), e);
      }
      throw new IllegalStateException(
          "cannot start the server on "
              + settings.host()
              + ":"
              + settings.port()
              + ": "
              + e.getMessage(),
          e);
    }
    serving.set(true);
    log.info("Parley listening on http://{}:{} ({})", host(), port(), httpSettings);
  }

  /**
   * Serves {@code route} with the server settings, each connection behind a {@link
   * ConnectionGuard}, at most {@code parley.http.max-connections} at once (further ones wait in the
   * backlog).
   */
  private static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system,
      GatewaySettings settings,
      ServerSettings server,
      Route route,
      GatewayMetrics metrics) {
    Materializer materializer = Materializer.matFromSystem(system);
    Flow<HttpRequest, HttpResponse, NotUsed> handler =
        ConnectionGuard.create(
                settings.server().headerTimeout(), settings.server().requestTimeout())
            .join(route.flow(system));
    return Http.get(system)
        .newServerAt(settings.host(), settings.port())
        .withSettings(server)
        .connectionSource()
        .mapAsyncUnordered(
            server.getMaxConnections(),
            connection ->
                connection
                    .flow()
                    .watchTermination(Keep.right())
                    .joinMat(handler, Keep.left())
                    .run(materializer)
                    .whenComplete(metrics.connectionOpened())
                    .exceptionally(error -> Done.getInstance()))
        .toMat(Sink.ignore(), Keep.left())
        .run(materializer);
  }

  /**
   * The drain's end, with what ended during it: one line an operator can compare with the start.
   */
  private static void logDrainEnd(Stats.Totals before, Stats.Totals after, long nanos) {
    long failed =
        after.failed()
            - before.failed()
            + after.timedOut()
            - before.timedOut()
            + after.deadLettered()
            - before.deadLettered();
    log.info(
        "drain ended after {} ms: {} completed, {} failed, {} cancelled, {} interrupted; {} left",
        TimeUnit.NANOSECONDS.toMillis(nanos),
        after.completed() - before.completed(),
        failed,
        after.cancelled() - before.cancelled(),
        after.interrupted() - before.interrupted(),
        after.inFlight() + after.pending());
  }

  private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
    }
    return false;
  }

  /** The server could not listen on its address: the port is taken, or not ours to take. */
  public static final class PortUnavailable extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final String host;
    private final int port;

    PortUnavailable(String host, int port, Throwable cause) {
      super("cannot listen on " + host + ":" + port + ": the port is in use or not allowed", cause);
      this.host = host;
      this.port = port;
    }

    public String host() {
      return host;
    }

    public int port() {
      return port;
    }
  }

  /**
   * Starts a runtime from {@code runtime} (its handler, retry policy; the server supplies the actor
   * system and {@code config}) and serves it on {@code parley.http.host}:{@code parley.http.port}.
   */
  public static ParleyServer start(ParleyBuilder runtime, Config config) {
    return start(system -> runtime, config);
  }

  /**
   * As {@link #start(ParleyBuilder, Config)}, for a runtime whose handler needs the server's actor
   * system (the {@link ForwardingHandler}'s HTTP client, for one).
   */
  public static ParleyServer start(Function<ActorSystem<?>, ParleyBuilder> runtime, Config config) {
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

  /**
   * The effective settings of the HTTP server, as bound: request, idle and header timeouts,
   * backlog, connection limit, parsing error handler. For a start-up line an operator can check.
   */
  public String httpSettings() {
    return httpSettings;
  }

  /** Whether the server accepts new events (false once it drains). */
  public boolean isReady() {
    return ready.get() && parley.isAccepting();
  }

  /**
   * Whether the shutdown's drain finished within {@code parley.shutdown.drain-timeout}, every
   * accepted event ending on its own; false until it has, and false when the timeout interrupted
   * events.
   */
  public boolean drainedInTime() {
    return drainedInTime.get();
  }

  /**
   * For a {@code main} method: on the JVM's shutdown (SIGTERM, Ctrl-C) waits for this server to
   * drain and stop, then ends the JVM with status 0 when the drain finished in time ({@link
   * #drainedInTime()}), 1 when it did not or the server did not stop within its shutdown phases'
   * timeouts. Without it a JVM stopped by SIGTERM exits 143 even after a complete drain. It halts
   * the JVM, skipping shutdown hooks that have not finished by then: never call it in an embedding
   * application or a test.
   */
  public void exitOnShutdown() {
    long boundMillis = CoordinatedShutdown.get(system).totalTimeout().toMillis() + 5_000;
    Thread hook =
        new Thread(
            () -> {
              int status = 1;
              try {
                system
                    .getWhenTerminated()
                    .toCompletableFuture()
                    .get(boundMillis, TimeUnit.MILLISECONDS);
                if (drainedInTime()) {
                  status = 0;
                } else {
                  log.warn("the drain did not finish within parley.shutdown.drain-timeout");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (ExecutionException | TimeoutException e) {
                log.warn("the server did not stop within {} ms", boundMillis);
              }
              System.out.flush();
              System.err.flush();
              Runtime.getRuntime().halt(status);
            },
            "parley-server-exit");
    Runtime.getRuntime().addShutdownHook(hook);
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
