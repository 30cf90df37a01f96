package dev.parley.samples;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops Pekko's own report of a failed bind (an ERROR with a stack trace): the demo reports a port
 * it cannot take in one line that names the port and {@code --port}. Every other line of Pekko's
 * TCP listener (an accept error when file descriptors run out, say) still shows.
 */
public final class BindFailureFilter extends Filter<ILoggingEvent> {
  @Override
  public FilterReply decide(ILoggingEvent event) {
    return event.getLoggerName().equals("org.apache.pekko.io.TcpListener")
            && event.getMessage() != null
            && event.getMessage().startsWith("Bind failed")
        ? FilterReply.DENY
        : FilterReply.NEUTRAL;
  }
}
