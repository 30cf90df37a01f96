package dev.parley.gateway;

import dev.parley.runtime.EventListener;
import dev.parley.runtime.FinishedEvent;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Stats;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.journal.JournalListener;
import dev.parley.runtime.registry.EventRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;

/**
 * The gateway's metrics in Prometheus form ({@code GET /metrics}), through Micrometer: the
 * runtime's counts and gauges, the handler time and queue wait of ended events (histograms, fed by
 * this listener), the events the gateway refused by reason, the HTTP requests by route template and
 * status (OpenTelemetry's {@code http.server.request.duration}), and the JVM's and the process's
 * own (Micrometer's binders: memory, GC, threads, classes, CPU, uptime, file descriptors).
 *
 * <p>The runtime's meters read one {@link Stats} snapshot taken at the start of each scrape: {@code
 * Parley.stats()} visits every lane, so it runs once per scrape, not once per meter.
 */
final class GatewayMetrics implements EventListener, JournalListener, AutoCloseable {
  /** The Prometheus text format that {@link PrometheusMeterRegistry#scrape()} writes. */
  static final ContentType CONTENT_TYPE =
      ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  /**
   * Histogram buckets, in seconds, from 50 µs: a fast handler or request lands in a bucket of its
   * own rather than all in the first.
   */
  private static final double[] BUCKETS = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10, 30, 60, 120, 300, 600
  };

  /** The reasons of {@code parley_events_rejected_total}; any other is counted as {@code other}. */
  private static final Set<String> REASONS =
      Set.of(
          Parley.QUEUE_FULL,
          Parley.SHUTTING_DOWN,
          Parley.JOURNAL_UNAVAILABLE,
          "lane-busy",
          ClusterSettings.LANE_UNREACHABLE,
          EventRegistry.DUPLICATE);

  private static final Map<String, ToDoubleFunction<Stats.Totals>> OUTCOMES =
      Map.of(
          "completed", Stats.Totals::completed,
          "failed", Stats.Totals::failed,
          "timed_out", Stats.Totals::timedOut,
          "dead_lettered", Stats.Totals::deadLettered,
          "cancelled", Stats.Totals::cancelled,
          "interrupted", Stats.Totals::interrupted);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer handlerDuration =
      histogram(
              "parley.handler.duration",
              "Time from an event's first attempt until it ended (events that started)")
          .register(registry);
  private final Timer queueWait =
      histogram(
              "parley.queue.wait",
              "Time from an event's acceptance until its first attempt (or its end)")
          .register(registry);
  private final Timer journalWrites =
      histogram(
              "parley.journal.write.duration",
              "Time one write of a journaled lane took, from its persist to its confirmation")
          .register(registry);
  private final DistributionSummary journalBatch =
      DistributionSummary.builder("parley.journal.write.events")
          .description("Lane events in one journal write (the batch a lane wrote at once)")
          .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
          .register(registry);
  private final Counter journalFailures =
      Counter.builder("parley.journal.failures")
          .description("Journal writes and recoveries that failed (the database was unavailable)")
          .register(registry);
  private final Counter redeliveries =
      Counter.builder("parley.journal.redeliveries")
          .description("Events that were running when the runtime stopped and ran again after it")
          .register(registry);
  private final AtomicLong recoveryNanos = new AtomicLong();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final AtomicInteger connections = new AtomicInteger();

  private volatile Parley parley;

  GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    Gauge.builder("parley.http.connections", connections, AtomicInteger::get)
        .description("Open HTTP connections")
        .register(registry);
    Gauge.builder("parley.journal.recovery.seconds", recoveryNanos, nanos -> nanos.get() / 1e9)
        .description("How long the lanes in the journal took to recover at start")
        .register(registry);
  }

  @Override
  public void onWrite(int events, long nanos) {
    journalWrites.record(nanos, TimeUnit.NANOSECONDS);
    journalBatch.record(events);
  }

  @Override
  public void onFailure(Throwable error) {
    journalFailures.increment();
  }

  @Override
  public void onStartupRecovery(int lanes, long nanos) {
    recoveryNanos.set(nanos);
  }

  @Override
  public void onRedelivery(String laneKey, String eventId) {
    redeliveries.increment();
  }

  /** Counts a connection that has just opened; the callback returned is told when it closed. */
  java.util.function.BiConsumer<Object, Throwable> connectionOpened() {
    connections.incrementAndGet();
    return (done, error) -> connections.decrementAndGet();
  }

  private static Timer.Builder histogram(String name, String description) {
    return Timer.builder(name).description(description).serviceLevelObjectives(buckets());
  }

  private static Duration[] buckets() {
    Duration[] buckets = new Duration[BUCKETS.length];
    for (int i = 0; i < BUCKETS.length; i++) {
      buckets[i] = Duration.ofNanos(Math.round(BUCKETS[i] * 1e9));
    }
    return buckets;
  }

  private volatile Snapshot snapshot;

  /**
   * Registers the meters that read {@code parley} (built with this listener) and {@code streams}.
   */
  void bind(Parley parley, SpaceStreams streams) {
    this.parley = parley;
    this.snapshot = Snapshot.of(parley.stats());
    counter("parley.events.accepted", "Events accepted", Stats.Totals::accepted);
    OUTCOMES.forEach(
        (outcome, count) ->
            FunctionCounter.builder(
                    "parley.events.finished", this, m -> count.applyAsDouble(m.totals()))
                .description("Events ended, by outcome")
                .tag("outcome", outcome)
                .register(registry));
    counter(
        "parley.worker.restarts",
        "Supervised restarts of workers' handler contexts",
        Stats.Totals::restarts);
    gauge("parley.queue.depth", "Accepted events not yet started", m -> m.totals().pending());
    gauge("parley.in.flight", "Events running or waiting to retry", m -> m.totals().inFlight());
    for (WorkerHealth health : WorkerHealth.values()) {
      Gauge.builder("parley.workers", this, m -> m.snapshot.workers().get(health))
          .description("Live workers (one per lane with recent traffic), by health")
          .tag("health", health.label())
          .register(registry);
    }
    gauge("parley.dead.letters", "Dead letters kept", m -> m.snapshot.stats().deadLetters());
    FunctionCounter.builder(
            "parley.dead.letters.dropped", this, m -> m.snapshot.stats().deadLettersDropped())
        .description("Dead letters dropped because the store was full")
        .register(registry);
    FunctionCounter.builder(
            "parley.dedup.evictions", this, m -> m.snapshot.stats().dedupEvictions())
        .description(
            "Finished ids forgotten before the end of parley.dedup.window because"
                + " parley.dedup.max-ids were kept")
        .register(registry);
    Gauge.builder("parley.sse.clients", streams, SpaceStreams::clients)
        .description("Open event streams")
        .register(registry);
    FunctionCounter.builder("parley.sse.dropped.clients", streams, SpaceStreams::dropped)
        .description("Event stream clients disconnected for falling behind")
        .register(registry);
  }

  @Override
  public void onFinished(FinishedEvent finished) {
    queueWait.record(finished.queuedNanos(), TimeUnit.NANOSECONDS);
    if (finished.started()) {
      handlerDuration.record(finished.handledNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /**
   * One answered request, as OpenTelemetry's semantic conventions name it; {@code route} is a
   * template, never a raw path.
   */
  void request(String method, String route, int status, long nanos) {
    histogram(
            "http.server.request.duration",
            "HTTP requests until their response's headers, by method, route template and status")
        .tags(
            "http.request.method",
            method,
            "http.route",
            route,
            "http.response.status_code",
            Integer.toString(status))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /** An event the gateway refused (429, 409, 503), by the runtime's reason. */
  void rejected(String reason) {
    Counter.builder("parley.events.rejected")
        .description("Events refused at submit through the gateway, by reason")
        .tag("reason", REASONS.contains(reason) ? reason : "other")
        .register(registry)
        .increment();
  }

  @Override
  public void close() {
    gc.close();
  }

  /** The metrics in Prometheus text format ({@link #CONTENT_TYPE}), from a fresh snapshot. */
  String scrape() {
    Parley bound = parley;
    if (bound != null) {
      snapshot = Snapshot.of(bound.stats());
    }
    return registry.scrape();
  }

  private Stats.Totals totals() {
    return snapshot.stats().totals();
  }

  private void counter(String name, String description, ToDoubleFunction<Stats.Totals> count) {
    FunctionCounter.builder(name, this, m -> count.applyAsDouble(m.totals()))
        .description(description)
        .register(registry);
  }

  private void gauge(String name, String description, ToDoubleFunction<GatewayMetrics> value) {
    Gauge.builder(name, this, value).description(description).register(registry);
  }

  /** The stats a scrape reads, with the workers counted by health once. */
  private record Snapshot(Stats stats, Map<WorkerHealth, Integer> workers) {
    static Snapshot of(Stats stats) {
      Map<WorkerHealth, Integer> workers = new EnumMap<>(WorkerHealth.class);
      for (WorkerHealth health : WorkerHealth.values()) {
        workers.put(health, 0);
      }
      stats.workerHealth().values().forEach(health -> workers.merge(health, 1, Integer::sum));
      return new Snapshot(stats, workers);
    }
  }
}
