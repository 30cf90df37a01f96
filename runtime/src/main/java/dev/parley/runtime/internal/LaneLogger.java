package dev.parley.runtime.internal;

import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The logger a handler gets from {@code LaneContext.log()}: each line carries the MDC keys {@code
 * lane} and {@code eventId}, set only around that line, so the hot path pays nothing for handlers
 * that do not log. Parley's own lines about a lane use it too ({@code eventId} null: a line about
 * the lane, not one of its events).
 */
public final class LaneLogger extends AbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient Logger delegate;
  private final String lane;
  private final String eventId;

  public LaneLogger(Logger delegate, String lane, String eventId) {
    this.delegate = delegate;
    this.name = delegate.getName();
    this.lane = lane;
    this.eventId = eventId;
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable cause) {
    String previousLane = MDC.get("lane");
    String previousEvent = MDC.get("eventId");
    MDC.put("lane", lane);
    if (eventId != null) {
      MDC.put("eventId", eventId);
    } else {
      MDC.remove("eventId");
    }
    try {
      LoggingEventBuilder line = delegate.atLevel(level);
      if (marker != null) {
        line = line.addMarker(marker);
      }
      if (arguments != null) {
        for (Object argument : arguments) {
          line = line.addArgument(argument);
        }
      }
      if (cause != null) {
        line = line.setCause(cause);
      }
      line.log(pattern);
    } finally {
      restore("lane", previousLane);
      restore("eventId", previousEvent);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  @Override
  public boolean isTraceEnabled() {
    return delegate.isTraceEnabled();
  }

  @Override
  public boolean isTraceEnabled(Marker marker) {
    return delegate.isTraceEnabled(marker);
  }

  @Override
  public boolean isDebugEnabled() {
    return delegate.isDebugEnabled();
  }

  @Override
  public boolean isDebugEnabled(Marker marker) {
    return delegate.isDebugEnabled(marker);
  }

  @Override
  public boolean isInfoEnabled() {
    return delegate.isInfoEnabled();
  }

  @Override
  public boolean isInfoEnabled(Marker marker) {
    return delegate.isInfoEnabled(marker);
  }

  @Override
  public boolean isWarnEnabled() {
    return delegate.isWarnEnabled();
  }

  @Override
  public boolean isWarnEnabled(Marker marker) {
    return delegate.isWarnEnabled(marker);
  }

  @Override
  public boolean isErrorEnabled() {
    return delegate.isErrorEnabled();
  }

  @Override
  public boolean isErrorEnabled(Marker marker) {
    return delegate.isErrorEnabled(marker);
  }
}
