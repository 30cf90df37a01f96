package dev.parley.runtime;

/**
 * Makes one {@link Handler} per lane, so a handler may keep per-conversation state in its own
 * fields: Parley never calls one lane's handler concurrently.
 */
@FunctionalInterface
public interface HandlerFactory {
  Handler create(String laneKey);
}
