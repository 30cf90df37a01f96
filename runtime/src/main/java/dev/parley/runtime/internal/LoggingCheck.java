package dev.parley.runtime.internal;

import java.io.PrintStream;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Says once per JVM, on stderr, when no SLF4J provider is bound: Parley's warnings (handler
 * timeouts, restarts, {@code LaneContext.log()}) would otherwise vanish without a trace. A library
 * never picks the backend, so it names one to add instead.
 */
public final class LoggingCheck {
  /** The line printed to stderr. */
  public static final String ADVICE =
      "Parley: no SLF4J provider on the class path, so Parley's warnings (handler timeouts,"
          + " restarts, LaneContext.log()) are dropped; add one, e.g."
          + " ch.qos.logback:logback-classic:1.5.21 (or org.slf4j:slf4j-simple:2.0.17)";

  private static final AtomicBoolean warned = new AtomicBoolean();

  private LoggingCheck() {}

  /** Prints {@link #ADVICE} to stderr the first time it is called without a provider bound. */
  public static void warnIfNoProvider() {
    if (!warned.get()
        && isDropping(LoggerFactory.getILoggerFactory(), providerDeclared())
        && warned.compareAndSet(false, true)) {
      print(System.err);
    }
  }

  /**
   * Whether log lines are dropped: SLF4J fell back to its no-op factory and nobody chose it (a
   * declared provider, such as slf4j-nop, is a choice).
   */
  static boolean isDropping(ILoggerFactory factory, boolean providerDeclared) {
    return factory instanceof NOPLoggerFactory && !providerDeclared;
  }

  static void print(PrintStream err) {
    err.println(ADVICE);
    err.flush();
  }

  private static boolean providerDeclared() {
    if (System.getProperty("slf4j.provider") != null) {
      return true;
    }
    ClassLoader loader = LoggerFactory.class.getClassLoader();
    try {
      return ServiceLoader.load(SLF4JServiceProvider.class, loader).iterator().hasNext();
    } catch (java.util.ServiceConfigurationError e) {
      return false; // a broken provider binds nothing either
    }
  }
}
