package dev.parley.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.runtime.admission.LoadProbe;
import dev.parley.runtime.cluster.ClusterSettings;
import dev.parley.runtime.internal.Assembly;
import dev.parley.runtime.internal.LoggingCheck;
import dev.parley.runtime.internal.Settings;
import dev.parley.runtime.journal.JournalListener;
import dev.parley.runtime.journal.JournalSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.ActorSystem;

/** Configures and starts a {@link Parley}. */
public final class ParleyBuilder {
  HandlerFactory handlers;
  RetryPolicy retryPolicy = RetryPolicy.none();
  LoadProbe loadProbe = LoadProbe.jvm();
  LongSupplier nanoClock = System::nanoTime;
  Clock clock = Clock.systemUTC();
  java.util.function.DoubleSupplier random =
      () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble();
  boolean blocking;
  private int handlerSources;
  final List<EventListener> listeners = new ArrayList<>();
  final List<JournalListener> journalListeners = new ArrayList<>();
  Config config;
  ActorSystem<?> system;

  ParleyBuilder() {}

  /** One handler shared by every lane (it must then be safe to call from several lanes). */
  public ParleyBuilder handler(Handler handler) {
    Objects.requireNonNull(handler, "handler");
    return handlers(laneKey -> handler, false);
  }

  /** One handler per lane, made when the lane's worker first needs it. */
  public ParleyBuilder handlerFactory(HandlerFactory factory) {
    return handlers(Objects.requireNonNull(factory, "handlerFactory"), false);
  }

  /** A handler that blocks its thread: Parley calls it on {@code parley.blocking-dispatcher}. */
  public ParleyBuilder blockingHandler(Handler handler) {
    Objects.requireNonNull(handler, "blockingHandler");
    return handlers(laneKey -> handler, true);
  }

  /** As {@link #handlerFactory}, for handlers that block their thread. */
  public ParleyBuilder blockingHandlerFactory(HandlerFactory factory) {
    return handlers(Objects.requireNonNull(factory, "blockingHandlerFactory"), true);
  }

  private ParleyBuilder handlers(HandlerFactory factory, boolean blocking) {
    this.handlers = factory;
    this.blocking = blocking;
    this.handlerSources++;
    return this;
  }

  /**
   * Tells {@code listener} of every accepted event when it ends (see {@link EventListener} for the
   * threading rules). May be called more than once; listeners are told in that order.
   */
  /**
   * Hears the journal's writes, failures, start-up recovery and redeliveries ({@code
   * parley.durability = journal}), e.g. for metrics.
   */
  public ParleyBuilder journalListener(JournalListener listener) {
    journalListeners.add(Objects.requireNonNull(listener, "journalListener"));
    return this;
  }

  public ParleyBuilder listener(EventListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /** How failed and timed-out events are retried (default: {@link RetryPolicy#none()}). */
  public ParleyBuilder retryPolicy(RetryPolicy retryPolicy) {
    this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
    return this;
  }

  /** Where adaptive admission reads the load; tests give their own. */
  ParleyBuilder loadProbe(LoadProbe loadProbe) {
    this.loadProbe = Objects.requireNonNull(loadProbe, "loadProbe");
    return this;
  }

  /** The clock of admission's aging, in nanoseconds; tests give a manual one. */
  ParleyBuilder nanoClock(LongSupplier nanoClock) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    return this;
  }

  /** The wall clock of dead letters and failure times; tests give a fixed one. */
  ParleyBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The jitter of backoffs, uniform in [0, 1); tests give a fixed one. */
  ParleyBuilder random(java.util.function.DoubleSupplier random) {
    this.random = Objects.requireNonNull(random, "random");
    return this;
  }

  /** Overrides of the {@code parley} section (and of Pekko's, when Parley owns the system). */
  public ParleyBuilder config(Config config) {
    this.config = Objects.requireNonNull(config, "config");
    return this;
  }

  /** Runs inside an existing actor system instead of starting one. */
  public ParleyBuilder actorSystem(ActorSystem<?> system) {
    this.system = Objects.requireNonNull(system, "actorSystem");
    return this;
  }

  /**
   * @throws IllegalArgumentException naming the field, when no handler or more than one was set, or
   *     a configuration value is invalid
   */
  public Parley build() {
    if (handlerSources == 0) {
      throw new IllegalArgumentException(
          "handler: set one of handler, handlerFactory, blockingHandler, blockingHandlerFactory");
    }
    if (handlerSources > 1) {
      throw new IllegalArgumentException(
          "handler: set only one of handler, handlerFactory, blockingHandler,"
              + " blockingHandlerFactory");
    }
    Config fallback = system != null ? system.settings().config() : ConfigFactory.load();
    Config effective = config != null ? config.withFallback(fallback).resolve() : fallback;
    Settings settings = Settings.from(effective);
    if (settings.journal().enabled() && system != null) {
      requireJournalSettings(system);
    }
    if (system == null) {
      effective = systemConfig(effective);
      // The drain runs in this phase of the coordinated shutdown: give it the time it needs.
      Duration phase = settings.drainTimeout().plus(settings.startupTimeout());
      effective =
          ConfigFactory.parseString(
                  "pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
                      + phase.toMillis()
                      + "ms")
              .withFallback(effective);
    }
    LoggingCheck.warnIfNoProvider(); // else every warning of the runtime vanishes
    var inputs =
        new Assembly.Inputs(
            handlers,
            blocking,
            retryPolicy,
            loadProbe,
            nanoClock,
            clock,
            random,
            List.copyOf(listeners),
            List.copyOf(journalListeners),
            system);
    return new Parley(inputs, effective, settings);
  }

  /**
   * {@code config} with what an actor system for Parley needs beside it: the journal's plugin
   * settings ({@code parley.durability = journal}) and the cluster's ({@code parley.mode =
   * cluster}). Make a system you give to {@link #actorSystem} from it; Parley's own system is.
   *
   * @throws IllegalArgumentException naming the key, when a value is invalid
   */
  public static Config systemConfig(Config config) {
    Config resolved = config.resolve();
    Duration handOff =
        resolved
            .getDuration("parley.shutdown.drain-timeout")
            .plus(resolved.getDuration("parley.startup-timeout"));
    return ClusterSettings.apply(
        JournalSettings.apply(resolved), resolved.getString("parley.system-name"), handOff);
  }

  /** A given actor system must have been made with the journal's (and cluster's) settings. */
  private static void requireJournalSettings(ActorSystem<?> system) {
    Config config = system.settings().config();
    if (ClusterSettings.from(config).enabled()
        && !config.getString("pekko.actor.provider").equals("cluster")) {
      throw new IllegalArgumentException(
          "parley.mode = cluster: the given actor system is not a cluster node; create it from"
              + " ParleyBuilder.systemConfig(config), or let Parley start its own");
    }
    String plugin = "pekko.persistence.journal.plugin";
    if (!config.hasPath(plugin) || !config.getString(plugin).equals("jdbc-journal")) {
      throw new IllegalArgumentException(
          "parley.durability = journal: the given actor system lacks the journal's settings;"
              + " create it from ParleyBuilder.systemConfig(config), or let Parley start its own");
    }
  }
}
