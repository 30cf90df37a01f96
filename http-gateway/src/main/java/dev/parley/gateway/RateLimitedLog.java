package dev.parley.gateway;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN line at most once per interval for one kind of client mistake, with the count of the lines
 * it held back since the last one, so that a client sending junk cannot flood the log. Text taken
 * from a request is {@linkplain #quote quoted}: truncated, with control and non-ASCII characters
 * escaped.
 */
final class RateLimitedLog {
  /** The most characters of client text a line carries. */
  static final int MAX_QUOTED = 120;

  private final Logger log;
  private final long intervalNanos;
  private final AtomicLong nextNanos;
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nextNanos = new AtomicLong(System.nanoTime());
  }

  /** Logs {@code format} (SLF4J placeholders) unless a line was logged within the interval. */
  void warn(String format, Object... arguments) {
    long now = System.nanoTime();
    long next = nextNanos.get();
    if (now - next < 0 || !nextNanos.compareAndSet(next, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return;
    }
    long held = suppressed.getAndSet(0);
    if (held == 0) {
      log.warn(format, arguments);
    } else {
      Object[] withCount = java.util.Arrays.copyOf(arguments, arguments.length + 1);
      withCount[arguments.length] = held;
      log.warn(format + " ({} similar lines held back since the last one)", withCount);
    }
  }

  /** {@code text} as a log may show it: at most {@link #MAX_QUOTED} characters, escaped, quoted. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    int limit = Math.min(text.length(), MAX_QUOTED);
    for (int i = 0; i < limit; i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    out.append('"');
    if (text.length() > limit) {
      out.append("… (").append(text.length()).append(" characters)");
    }
    return out.toString();
  }
}
