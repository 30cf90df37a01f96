package dev.parley.gateway;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractActorSystem;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.parley.gateway.GatewaySettings.Role;
import dev.parley.runtime.Parley;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;

/**
 * {@code GET /v1/export}: the queue's state for debugging ({@link Parley#export}), one JSON
 * document, or with {@code ?format=ndjson} one JSON object per line (the summary, then one per
 * lane). Both are streamed as the lanes answer, so a runtime of many lanes is never held in memory
 * at once.
 */
final class ExportRoutes {
  static final ContentType NDJSON =
      MediaTypes.applicationWithFixedCharset("x-ndjson", HttpCharsets.UTF_8).toContentType();

  private final Parley parley;
  private final Access access;

  ExportRoutes(Parley parley, Access access) {
    this.parley = parley;
    this.access = access;
  }

  Route route() {
    return path(
        "export",
        () ->
            get(
                () ->
                    access.require(
                        Role.READ,
                        () ->
                            parameterOptional(
                                "format",
                                format ->
                                    extractActorSystem(
                                        system -> complete(export(format, system)))))));
  }

  private HttpResponse export(Optional<String> format, ActorSystem system) {
    String chosen = format.orElse("json");
    if (chosen.equals("ndjson")) {
      Source<ByteString, NotUsed> lines =
          parley.exportLines().map(line -> ByteString.fromString(line + "\n"));
      return HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines));
    }
    if (!chosen.equals("json")) {
      return Problem.badRequest(
          "format: must be json (the default) or ndjson, got " + RateLimitedLog.quote(chosen));
    }
    // The document is written to an output stream, which blocks: on Pekko's blocking IO pool.
    Executor blocking = system.dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher");
    Source<ByteString, NotUsed> document =
        StreamConverters.asOutputStream()
            .mapMaterializedValue(
                out -> {
                  blocking.execute(() -> write(out));
                  return NotUsed.getInstance();
                });
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, document));
  }

  private void write(OutputStream out) {
    try (out) {
      parley.export(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // the client went away: its response ends there
    }
  }
}
