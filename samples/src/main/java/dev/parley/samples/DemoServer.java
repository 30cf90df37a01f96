package dev.parley.samples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.gateway.ForwardingHandler;
import dev.parley.gateway.ParleyServer;
import dev.parley.runtime.Parley;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The demo server: the echo bot behind Parley's HTTP gateway, or with {@code --forward URL} an
 * existing agent's endpoint ({@link ForwardingHandler}). {@code java -jar
 * samples/target/parley-demo.jar [--host H] [--port N] [--forward URL] [--data-dir DIR |
 * --in-memory] [--cluster-port N [--cluster-host H] [--seed-nodes h:p,h:p]]}: a cluster node with
 * {@code --cluster-port} (its journal on PostgreSQL: {@code PARLEY_JOURNAL_URL}); {@code
 * -Dconfig.file=…} and {@code -Dparley.…} work as usual. Unless told otherwise ({@code --in-memory}
 * or {@code parley.durability}), the demo journals its lanes in an H2 database under {@code
 * --data-dir} (default {@code ./parley-data}). Stops (draining) on SIGTERM or Ctrl-C, then exits 0,
 * or 1 when the drain did not finish within {@code parley.shutdown.drain-timeout}.
 */
public final class DemoServer {
  private static final String USAGE =
      "usage: java -jar parley-demo.jar [--host H] [--port N] [--forward URL]"
          + " [--data-dir DIR | --in-memory] [--cluster-port N [--cluster-host H]"
          + " [--seed-nodes h:p,h:p]]";

  private DemoServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, Object> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--host" -> overrides.put("parley.http.host", require("--host", value));
        case "--port" -> overrides.put("parley.http.port", port("--port", value));
        case "--cluster-port" -> {
          overrides.put("parley.mode", "cluster");
          overrides.put("parley.cluster.port", port("--cluster-port", value));
        }
        case "--cluster-host" -> overrides.put("parley.cluster.host", require(args[i], value));
        case "--seed-nodes" -> overrides.put("parley.cluster.seed-nodes", require(args[i], value));
        case "--forward" -> overrides.put("parley.forward.url", require("--forward", value));
        case "--data-dir" -> overrides.put("parley.data-dir", require("--data-dir", value));
        case "--in-memory" -> {
          overrides.put("parley.durability", "none");
          i--; // takes no value
        }
        case "--help", "-h" -> {
          System.out.println(USAGE);
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + "; try --help");
          System.exit(2);
        }
      }
      i++;
    }
    Config loaded = ConfigFactory.load();
    if (isLibraryDefault(loaded, "parley.durability")) {
      overrides.putIfAbsent("parley.durability", "journal"); // the demo keeps what it accepted
    }
    Config config = ConfigFactory.parseMap(overrides).withFallback(loaded);
    if (!config.getString("parley.forward.url").isEmpty()) {
      forward(config);
    } else {
      echo(config);
    }
  }

  private static void echo(Config config) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon());
    ParleyServer server =
        start(() -> ParleyServer.start(Parley.builder().handler(new EchoBot(timer)), config));
    server.exitOnShutdown();
    announce("echo bot", server);
    server.whenTerminated().toCompletableFuture().join();
  }

  /** Forwards every event to {@code parley.forward.url}, over the server's own HTTP client. */
  private static void forward(Config config) {
    ForwardingHandler.Settings settings;
    try {
      settings = ForwardingHandler.Settings.from(config);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    ParleyServer server =
        start(
            () ->
                ParleyServer.start(
                    system -> Parley.builder().handler(ForwardingHandler.create(system, config)),
                    config));
    server.exitOnShutdown();
    announce("forwarding to " + settings.url(), server);
    server.whenTerminated().toCompletableFuture().join();
  }

  /** Whether nobody set {@code key}: its value is the one of a library's reference.conf. */
  private static boolean isLibraryDefault(Config config, String key) {
    String resource = config.getValue(key).origin().resource();
    return resource != null && resource.endsWith("reference.conf");
  }

  /**
   * Starts the server; a port that is taken or a journal that cannot be opened is one line and exit
   * status 2, not a stack trace.
   */
  private static ParleyServer start(java.util.function.Supplier<ParleyServer> server) {
    try {
      return server.get();
    } catch (ParleyServer.PortUnavailable e) {
      System.err.println(
          "Parley demo: cannot listen on "
              + e.host()
              + ":"
              + e.port()
              + " (in use or not allowed); choose another port with --port N (0 picks a free one)");
      System.exit(2);
      throw e;
    } catch (IllegalArgumentException e) { // a setting that cannot work, e.g. cluster mode on H2
      System.err.println("Parley demo: " + e.getMessage());
      System.exit(2);
      throw e;
    } catch (IllegalStateException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("parley.journal")) {
        throw e;
      }
      System.err.println("Parley demo: " + e.getMessage() + " (or run with --in-memory)");
      System.exit(2);
      throw e;
    }
  }

  private static void announce(String what, ParleyServer server) {
    String base = "http://" + server.host() + ":" + server.port();
    // Before the announce line, which tells a waiting reader that the server is up.
    System.out.println("HTTP server: " + server.httpSettings());
    System.out.printf(
        "Parley demo: %s on %s  (try: curl -s -XPOST -H 'Content-Type:"
            + " application/json' -d '{\"payload\":{\"text\":\"hi\"}}' -H 'Prefer: wait=5'"
            + " %s/v1/spaces/alice/events)%n"
            + "Monitor dashboard: %s/monitor%n",
        what, base, base, base);
  }

  private static String require(String option, String value) {
    if (value == null) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return value;
  }

  private static int port(String option, String value) {
    require(option, value);
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.err.println(option + ": must be a number from 0 to 65535, got " + value);
    System.exit(2);
    return -1;
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return runnable -> {
      Thread thread = new Thread(runnable, "echo-bot-timer");
      thread.setDaemon(true);
      return thread;
    };
  }
}
