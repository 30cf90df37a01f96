package dev.parley.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The packaged demo's HTTP server runs with Parley's settings, whatever the order in which the
 * shaded jar merged the modules' reference.conf files: requests the parser refuses get
 * problem+json, and the bound server reports Parley's request timeout, backlog and limits. A port
 * in use is one line.
 */
class DemoServerHttpIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private DemoProcess demo;

  @RegisterExtension final DemoWatch watch = new DemoWatch();

  @Test
  void theParserRefusesAnUnknownMethodAndALongUriWithProblemJson() throws Exception {
    demo = watch.track(DemoProcess.start());

    String unknownMethod = exchange("FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertEquals("HTTP/1.1 405 Method Not Allowed", statusLine(unknownMethod), unknownMethod);
    assertProblemJson(unknownMethod);

    String longUri =
        exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertEquals("HTTP/1.1 414 URI Too Long", statusLine(longUri), longUri);
    assertProblemJson(longUri);
  }

  @Test
  void theBoundServerHasParleysRequestTimeoutBacklogAndLimits() throws Exception {
    demo = watch.track(DemoProcess.start());

    String line =
        demo.output()
            .lines()
            .filter(l -> l.startsWith("HTTP server: "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no HTTP server line:\n" + demo.output()));
    for (String expected :
        List.of(
            "request-timeout 75 seconds",
            "idle-timeout 1 minute",
            "backlog 1024",
            "max-connections 8192",
            "remote-address-attribute true",
            "parsing error handler dev.parley.gateway.ParsingErrors")) {
      assertTrue(line.contains(expected), () -> line + " should contain " + expected);
    }
  }

  @Test
  void aSettingOfParleyHttpReachesTheBoundServer() throws Exception {
    demo =
        watch.track(
            DemoProcess.start("-Dparley.http.request-timeout=90s", "-Dparley.http.backlog=512"));

    assertTrue(
        demo.output().contains("request-timeout 90 seconds")
            && demo.output().contains("backlog 512"),
        demo::output);
  }

  @Test
  void aPortInUseIsOneLineNamingThePortAndTheOption() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      demo = watch.track(DemoProcess.launch("--port", Integer.toString(taken.getLocalPort())));

      assertEquals(2, demo.exitValue(TIMEOUT), demo::output);
      List<String> lines = demo.output().lines().filter(l -> !l.isBlank()).toList();
      assertEquals(1, lines.size(), demo::output);
      assertTrue(lines.get(0).contains(":" + taken.getLocalPort()), demo::output);
      assertTrue(lines.get(0).contains("--port"), demo::output);
      assertFalse(demo.output().contains("Exception"), demo::output);
    }
  }

  /** Sends {@code request} as raw bytes on a new connection; the response's head and body. */
  private String exchange(String request) throws IOException {
    URI base = demo.base();
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout((int) TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return readResponse(socket.getInputStream());
    }
  }

  /** The head and, by its Content-Length, the body of one response. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        break;
      }
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    int length =
        text.lines()
            .filter(l -> l.toLowerCase().startsWith("content-length:"))
            .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim()))
            .findFirst()
            .orElse(0);
    return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static String statusLine(String response) {
    return response.lines().findFirst().orElse("");
  }

  private static void assertProblemJson(String response) {
    assertTrue(
        response
            .lines()
            .anyMatch(l -> l.equalsIgnoreCase("Content-Type: application/problem+json")),
        response);
    assertTrue(response.contains("\"type\":\"https://parley.dev/problems/"), response);
  }
}
