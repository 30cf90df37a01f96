package dev.parley.monitor;

import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Who may watch the monitor: the server supplies its token check (role {@code read}). A WebSocket
 * client presents its token as {@code ?access_token=} or as a {@code bearer.<token>} subprotocol,
 * since browsers cannot set an Authorization header on a WebSocket.
 */
@FunctionalInterface
public interface MonitorAccess {
  /** Anyone may watch (no auth configured). */
  MonitorAccess OPEN = (token, inner) -> inner.get();

  /** Runs {@code inner} for a caller whose {@code token} may read; otherwise answers 401/403. */
  Route read(Optional<String> token, Supplier<Route> inner);
}
