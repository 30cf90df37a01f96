package dev.parley.samples;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.gateway.ParleyServer;
import dev.parley.runtime.Parley;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The demo server: the echo bot behind Parley's HTTP gateway. {@code java -jar
 * samples/target/parley-demo.jar [--host H] [--port N]}; {@code -Dconfig.file=…} and {@code
 * -Dparley.…} work as usual. Stops (draining) on SIGTERM or Ctrl-C.
 */
public final class DemoServer {
  private DemoServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, Object> overrides = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--host" -> overrides.put("parley.http.host", require("--host", value));
        case "--port" -> overrides.put("parley.http.port", port(require("--port", value)));
        case "--help", "-h" -> {
          System.out.println("usage: java -jar parley-demo.jar [--host H] [--port N]");
          return;
        }
        default -> {
          System.err.println("unknown option " + args[i] + "; try --help");
          System.exit(2);
        }
      }
      i++;
    }
    Config config = ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load());
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon());
    ParleyServer server = ParleyServer.start(Parley.builder().handler(new EchoBot(timer)), config);
    System.out.printf(
        "Parley demo: echo bot on http://%s:%d  (try: curl -s -XPOST -H 'Content-Type:"
            + " application/json' -d '{\"payload\":{\"text\":\"hi\"}}' -H 'Prefer: wait=5'"
            + " http://%s:%d/v1/spaces/alice/events)%n",
        server.host(), server.port(), server.host(), server.port());
    server.whenTerminated().toCompletableFuture().join();
  }

  private static String require(String option, String value) {
    if (value == null) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return value;
  }

  private static int port(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.err.println("--port: must be a number from 0 to 65535, got " + value);
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
