package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Requests the HTTP parser refuses, and headers it cannot read, never flood the log: at most a line
 * per interval, each short and printable, whatever bytes the client sent.
 */
class ParserWarningsTest {
  private static final int REQUESTS = 40;

  @Test
  void junkRequestsLogFewShortPrintableLines() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    root.addAppender(lines);
    long start = System.nanoTime();
    try (TestGateway gw =
        TestGateway.start(
            Parley.builder()
                .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"))))) {
      for (int i = 0; i < REQUESTS; i++) {
        String junk = "\u0001\u001b[31m" + "\u00ff".repeat(300) + i;
        // A header the parser cannot read (Pekko would warn and ignore it) on a good request...
        String header = "a/b/c;q=x" + "/".repeat(300) + i;
        String status =
            exchange(gw, "GET /healthz HTTP/1.1\r\nHost: x\r\nAccept: " + header + "\r\n\r\n");
        assertEquals("HTTP/1.1 200 OK", status);
        // ...and a request line it refuses.
        String refused = exchange(gw, "G\u0001T /" + junk + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(refused.startsWith("HTTP/1.1 4"), refused);
      }
      assertEquals(200, gw.get("/healthz").status());
    } finally {
      root.detachAppender(lines);
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    List<ILoggingEvent> warnings = List.copyOf(lines.list);
    assertTrue(
        warnings.size() <= 2 * (1 + Math.ceil(seconds / 10)),
        () -> warnings.size() + " lines for " + 2 * REQUESTS + " junk requests: " + warnings);
    for (ILoggingEvent warning : warnings) {
      String text = warning.getFormattedMessage();
      assertTrue(text.length() <= 400, () -> "a long line: " + text);
      assertTrue(
          text.chars().allMatch(c -> c >= 0x20 && c < 0x7f || c == '…'),
          () -> "unescaped bytes in: " + text);
    }
  }

  /** Sends raw bytes (ISO-8859-1: one byte per char) on a new connection; the status line. */
  private static String exchange(TestGateway gw, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gw.server().port())) {
      socket.setSoTimeout((int) TestGateway.PATIENCE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.append((char) b);
      }
      return line.toString().trim();
    }
  }
}
