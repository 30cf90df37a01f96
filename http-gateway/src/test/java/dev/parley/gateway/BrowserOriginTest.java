package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A web page the operator opens cannot drive a local server: a cross-site form POST (which needs no
 * preflight) gets 415, a request from a foreign Origin gets 403, and so does a WebSocket to the
 * monitor; the server's own pages, configured origins and non-browser clients pass.
 */
class BrowserOriginTest {
  private static final String EVENT = "{\"payload\":{\"text\":\"hi\"}}";

  private static TestGateway start(String... config) {
    return TestGateway.start(
        Parley.builder()
            .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"))),
        config);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=x"
      })
  void aFormPostToAMutatingRouteIs415AndChangesNothing(String contentType) {
    try (TestGateway gw = start()) {
      for (String path :
          new String[] {
            "/v1/admin/pause",
            "/v1/admin/emergency-stop",
            "/v1/spaces/s/pause",
            "/v1/spaces/s/events"
          }) {
        gw.send("POST", path, contentType, "a=b")
            .assertProblem(415, "unsupported-media-type", "application/json");
      }

      gw.post("/v1/spaces/s/events", EVENT, "Prefer", "wait=5").assertJson(200);
    }
  }

  @Test
  void aMutatingRouteWithAnEmptyBodyStillNeedsJson() {
    try (TestGateway gw = start()) {
      gw.send("POST", "/v1/admin/pause", null, "")
          .assertProblem(415, "unsupported-media-type", "application/json");
      assertEquals(200, gw.send("POST", "/v1/admin/pause", "application/json", "").status());
      assertEquals(200, gw.send("POST", "/v1/admin/resume", "application/json", "").status());

      OpenApiConformance.assertConforms(gw);
    }
  }

  @Test
  void aForeignOriginIsRefusedTheServersOwnAndConfiguredOnesPass() {
    try (TestGateway gw = start("parley.http.allowed-origins = [\"https://ops.example.com\"]")) {
      String own = "http://127.0.0.1:" + gw.server().port();

      gw.post("/v1/admin/pause", "", "Origin", "http://evil.example")
          .assertProblem(403, "forbidden-origin", "evil.example");
      gw.post("/v1/spaces/s/events", EVENT, "Origin", "null")
          .assertProblem(403, "forbidden-origin", "null");
      gw.send("DELETE", "/v1/spaces/s/events/x", null, null, "Origin", "http://evil.example")
          .assertProblem(403, "forbidden-origin", "evil.example");

      assertEquals(200, gw.post("/v1/admin/pause", "", "Origin", own).status());
      assertEquals(
          200, gw.post("/v1/admin/resume", "", "Origin", "https://ops.example.com").status());
      assertEquals(202, gw.post("/v1/spaces/s/events", EVENT).status(), "no Origin: not a browser");

      OpenApiConformance.assertConforms(gw);
    }
  }

  @Test
  void theMonitorFeedRefusesAForeignOrigin() throws IOException {
    try (TestGateway gw = start()) {
      String own = "http://127.0.0.1:" + gw.server().port();

      assertTrue(upgrade(gw, "http://evil.example").startsWith("HTTP/1.1 403"));
      assertTrue(upgrade(gw, own).startsWith("HTTP/1.1 101"));
    }
  }

  @Test
  void allowedOriginsThatAreNotOriginsAreRefusedAtStart() {
    IllegalArgumentException bad =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                GatewaySettings.from(
                    com.typesafe.config.ConfigFactory.parseString(
                            "parley.http.allowed-origins = [\"https://ops.example.com/path\"]")
                        .withFallback(com.typesafe.config.ConfigFactory.load())));
    assertTrue(bad.getMessage().startsWith("parley.http.allowed-origins"), bad.getMessage());
  }

  /** A WebSocket handshake for /monitor/ws from {@code origin}, raw: the response's status line. */
  private static String upgrade(TestGateway gw, String origin) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.server().port())) {
      socket.setSoTimeout((int) TestGateway.PATIENCE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /monitor/ws HTTP/1.1\r\n"
                  + "Host: 127.0.0.1:"
                  + gw.server().port()
                  + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  + "Origin: "
                  + origin
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.write(b);
      }
      return line.toString(StandardCharsets.US_ASCII).trim();
    }
  }
}
