package dev.parley.load;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The baseline: what a user writes without Parley, a Pekko HTTP server with default settings and
 * one JSON route. {@code POST /echo} parses the body with Jackson and answers it back ({@code 400}
 * when it is not JSON); {@code GET /healthz} answers {@code {"status":"ok"}}. {@code java -cp
 * load/target/parley-load.jar dev.parley.load.EchoServer --port N}.
 */
@Command(
    name = "echo-server",
    mixinStandardHelpOptions = true,
    description = "A raw Pekko HTTP JSON echo server: POST /echo, GET /healthz.")
public final class EchoServer implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] OK =
      "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  @Option(names = "--host", description = "The address to listen on (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(
      names = "--port",
      description = "The port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port = 8081;

  public static void main(String[] args) {
    int status = new CommandLine(new EchoServer()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "echo-server");
    ServerBinding binding = start(system, host, port).toCompletableFuture().get();
    System.out.println("echo server on http://" + host + ":" + binding.localAddress().getPort());
    system.getWhenTerminated().toCompletableFuture().join();
    return 0;
  }

  /** Serves the echo routes on {@code host}:{@code port} in {@code system}. */
  static CompletionStage<ServerBinding> start(ActorSystem<?> system, String host, int port) {
    return Http.get(system).newServerAt(host, port).bind(route());
  }

  static Route route() {
    return concat(
        path("healthz", () -> get(() -> complete(json(OK)))),
        path(
            "echo",
            () ->
                post(
                    () ->
                        entity(Unmarshaller.entityToByteString(), body -> echo(body.toArray())))));
  }

  private static Route echo(byte[] body) {
    try {
      JsonNode parsed = JSON.readTree(body);
      return complete(json(JSON.writeValueAsBytes(parsed)));
    } catch (IOException e) {
      return complete(StatusCodes.BAD_REQUEST, "not JSON");
    }
  }

  private static HttpResponse json(byte[] body) {
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, body);
  }
}
