package dev.parley.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.parley.gateway.ParleyServer;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * parley-load against real servers on 127.0.0.1: a {@link ParleyServer} with a handler that answers
 * at once, and the {@link EchoServer}. Each run takes about a second; the tests check what the
 * report counts, never how fast.
 */
class LoadEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ParleyServer parley;
  private static ActorSystem<Void> echoSystem;
  private static String echo;

  @BeforeAll
  static void startServers() throws Exception {
    parley =
        ParleyServer.start(
            Parley.builder()
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("done"))),
            ConfigFactory.parseString(
                "parley.http.host = \"127.0.0.1\"\n"
                    + "parley.http.port = 0\n"
                    + "parley.system-name = load-test\n"
                    + "parley.shutdown.drain-timeout = 5s"));
    echoSystem = ActorSystem.create(Behaviors.empty(), "load-test-echo");
    ServerBinding binding =
        EchoServer.start(echoSystem, "127.0.0.1", 0).toCompletableFuture().get();
    echo = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stopServers() {
    parley.close();
    echoSystem.terminate();
  }

  @Test
  void submitsThatWaitAreAllAnswered200() throws Exception {
    JsonNode report =
        run("--server", parleyUrl(), "--wait", "5", "--concurrency", "4", "--spaces", "10");
    long requests = report.get("requests").asLong();
    assertTrue(requests > 0, report.toString());
    assertEquals(requests, report.at("/statuses/200").asLong(), report.toString());
    assertEquals(1, report.get("statuses").size(), report.toString());
    assertEquals(0, report.get("errors").size(), report.toString());
    assertEquals("closed", report.get("model").asText());
    assertEquals(4, report.get("connections").asInt());
  }

  @Test
  void fireAndForgetAtARateSendsExactlyTheScheduledRequestsAndGets202() throws Exception {
    // 200 requests/s for 1 s after the warm-up: requests 40 to 239 of the schedule are measured.
    JsonNode report = run("--server", parleyUrl(), "--rate", "200", "--connections", "8");
    assertEquals(200, report.get("requests").asLong(), report.toString());
    assertEquals(200, report.at("/statuses/202").asLong(), report.toString());
    assertEquals(1, report.get("statuses").size(), report.toString());
    assertEquals("open", report.get("model").asText());
    assertEquals(200, report.get("rate").asInt());
  }

  @Test
  void theEchoServerAnswersTheSameBodyAndHealthz() throws Exception {
    JsonNode posts = run("--target", "url", "--url", echo + "/echo", "--rate", "100");
    assertEquals(100, posts.at("/statuses/200").asLong(), posts.toString());
    JsonNode health = run("--server", echo, "--target", "healthz", "--concurrency", "2");
    assertTrue(health.at("/statuses/200").asLong() > 0, health.toString());
    assertEquals(health.get("requests").asLong(), health.at("/statuses/200").asLong());
  }

  @Test
  void aServerThatIsNotThereExitsWith1() throws Exception {
    ServerBinding closed = EchoServer.start(echoSystem, "127.0.0.1", 0).toCompletableFuture().get();
    int port = closed.localAddress().getPort();
    closed.unbind().toCompletableFuture().get();
    CliRun run =
        CliRun.of(
            "--server",
            "http://127.0.0.1:" + port,
            "--rate",
            "20",
            "--duration",
            "200ms",
            "--warmup",
            "0s",
            "--json",
            "--no-progress");
    assertEquals(1, run.status(), run.err());
    assertTrue(run.err().contains("no request got an answer"), run.err());
    assertEquals(4, JSON.readTree(run.out()).at("/errors/ConnectException").asLong(), run.out());
  }

  private static String parleyUrl() {
    return "http://127.0.0.1:" + parley.port();
  }

  /** Runs for 1 s after a 200 ms warm-up and returns the JSON report. */
  private static JsonNode run(String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of(options));
    args.addAll(
        List.of(
            "--duration",
            "1s",
            "--warmup",
            "200ms",
            "--payload-bytes",
            "16",
            "--json",
            "--no-progress"));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(0, run.status(), run.err());
    return JSON.readTree(run.out());
  }
}
