package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections cannot be held by clients that send nothing, drip their headers or drip their body:
 * each is closed after {@code parley.http.header-timeout} (head) or the request timeout (body),
 * while event streams and WebSockets live on; and with many such connections open, a new client
 * still gets its answer at once. Every client here is on 127.0.0.1, bounded in count and time.
 */
class ConnectionsTest {
  private static final String FAST =
      "parley.http.header-timeout = 500ms\nparley.http.request-timeout = 1s\n"
          + "parley.http.max-wait = 1s";

  private ScheduledExecutorService drips;

  @BeforeEach
  void start() {
    drips = Executors.newScheduledThreadPool(2);
  }

  @AfterEach
  void stop() {
    drips.shutdownNow();
  }

  private static TestGateway gateway(String... config) {
    return TestGateway.start(
        Parley.builder()
            .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("ok"))),
        config);
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() throws IOException {
    try (TestGateway gw = gateway(FAST);
        Socket socket = connect(gw)) {
      assertClosed(socket);
    }
  }

  @Test
  void aClientThatDripsItsHeadersIsClosedAfterTheHeaderTimeout() throws IOException {
    try (TestGateway gw = gateway(FAST);
        Socket socket = connect(gw)) {
      write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
      drip(socket, "X-Drip: y\r\n", Duration.ofMillis(100));

      assertClosed(socket);
    }
  }

  @Test
  void aKeptAliveConnectionIsClosedWhenNoNextRequestComesWithinTheHeaderTimeout()
      throws IOException {
    try (TestGateway gw = gateway(FAST);
        Socket socket = connect(gw)) {
      write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals("HTTP/1.1 200 OK", statusLine(socket.getInputStream()));

      assertClosed(socket);
    }
  }

  @Test
  void aClientThatDripsItsBodyGets408AndIsClosed() throws IOException {
    try (TestGateway gw = gateway(FAST);
        Socket socket = connect(gw)) {
      write(
          socket,
          "POST /v1/spaces/s/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: 100\r\n\r\n{");
      drip(socket, " ", Duration.ofMillis(100));

      assertEquals("HTTP/1.1 408 Request Timeout", statusLine(socket.getInputStream()));
      assertClosed(socket);
    }
  }

  @Test
  void anEventStreamOutlivesTheHeaderTimeout() {
    try (TestGateway gw = gateway(FAST, "parley.http.sse.heartbeat = 100ms");
        SseClient stream = SseClient.open(gw, "/v1/spaces/s/stream")) {
      long start = System.nanoTime();
      int frames = 0;
      while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500)) {
        assertTrue(stream.next().isHeartbeat());
        frames++;
      }
      assertTrue(frames >= 5, "heartbeats after the header timeout: " + frames);
    }
  }

  @Test
  void aWebSocketOutlivesTheHeaderTimeout() throws Exception {
    try (TestGateway gw = gateway(FAST, "parley.monitor.interval = 200ms")) {
      CountDownLatch updates = new CountDownLatch(8); // 1.6 s of updates, past the 0.5 s timeout
      WebSocket socket =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + gw.server().port() + "/monitor/ws"),
                  new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(
                        WebSocket webSocket, CharSequence data, boolean last) {
                      if (last) {
                        updates.countDown();
                      }
                      webSocket.request(1);
                      return null;
                    }
                  })
              .get(TestGateway.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);

      assertTrue(updates.await(TestGateway.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
      socket.abort();
    }
  }

  /**
   * The load, bounded: many idle connections and slow header drips from one address, and a
   * new client still gets /healthz within a second. {@code -Dparley.test.idle-connections} and
   * {@code -Dparley.test.slow-connections} raise it (each connection is two file descriptors here:
   * client and server run in this JVM).
   */
  @Test
  void manyIdleAndSlowConnectionsDoNotKeepANewClientOut() throws Exception {
    int idle = Integer.getInteger("parley.test.idle-connections", 2000);
    int slow = Integer.getInteger("parley.test.slow-connections", 200);
    List<Socket> held = new ArrayList<>();
    // The held connections stay held while this measures (the default header timeout, 10 s, would
    // close them before 5,000 are open on a slow machine).
    try (TestGateway gw = gateway("parley.http.header-timeout = 60s")) {
      try {
        // The first request of a JVM loads the client's classes: not what is measured here.
        assertEquals(200, gw.get("/healthz").status());
        for (int i = 0; i < idle; i++) {
          held.add(connect(gw));
        }
        for (int i = 0; i < slow; i++) {
          Socket socket = connect(gw);
          held.add(socket);
          write(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
          drip(socket, "X-Drip: y\r\n", Duration.ofMillis(500));
        }
        // Every held connection accepted by the server (beyond the listen backlog, a new client's
        // SYN would wait for a retransmit: a second, which is the backlog's doing, not the
        // holding).
        awaitAtLeast(gw, idle + slow, "parley_http_connections");
        long worst = 0;
        for (int i = 0; i < 5; i++) {
          // A new client each time: a new connection, which must get past the held ones.
          HttpClient fresh = HttpClient.newBuilder().connectTimeout(TestGateway.PATIENCE).build();
          long start = System.nanoTime();
          HttpResponse<String> health =
              fresh.send(
                  HttpRequest.newBuilder(URI.create(gw.base() + "/healthz"))
                      .timeout(TestGateway.PATIENCE)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          worst = Math.max(worst, System.nanoTime() - start);
          assertEquals(200, health.statusCode());
        }
        long worstMs = TimeUnit.NANOSECONDS.toMillis(worst);
        System.out.printf(
            "ConnectionsTest: %d idle + %d slow connections held, /healthz worst of 5: %d ms%n",
            idle, slow, worstMs);
        assertTrue(worstMs < 1000, "/healthz took " + worstMs + " ms");
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }
    }
  }

  private static void awaitAtLeast(TestGateway gw, double expected, String metric) {
    long deadline = System.nanoTime() + TestGateway.PATIENCE.toNanos() * 3;
    double value = 0;
    while (System.nanoTime() < deadline) {
      value = gw.metrics().value(metric);
      if (value >= expected) {
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // poll, not too hard
    }
    throw new AssertionError(metric + " is " + value + ", not at least " + expected);
  }

  private static Socket connect(TestGateway gw) throws IOException {
    Socket socket = new Socket("127.0.0.1", gw.server().port());
    socket.setSoTimeout((int) TestGateway.PATIENCE.toMillis());
    return socket;
  }

  private static void write(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Writes {@code text} every {@code interval} until the socket is closed (by either side). */
  private void drip(Socket socket, String text, Duration interval) {
    drips.scheduleAtFixedRate(
        () -> {
          try {
            write(socket, text);
          } catch (IOException closed) {
            throw new IllegalStateException("closed", closed); // ends this drip
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * The server closes the connection within {@link TestGateway#PATIENCE}; bytes before are read.
   */
  private static void assertClosed(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    try {
      while (in.read() != -1) {
        // a response before the close, if any
      }
    } catch (SocketException reset) {
      // reset by the server: closed too
    }
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      line.append((char) b);
    }
    String status = line.toString().trim();
    // the rest of the head and the body, up to the blank line and Content-Length
    int length = 0;
    StringBuilder header = new StringBuilder();
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String h = header.toString().trim();
        if (h.isEmpty()) {
          break;
        }
        if (h.toLowerCase().startsWith("content-length:")) {
          length = Integer.parseInt(h.substring(15).trim());
        }
        header.setLength(0);
      } else {
        header.append((char) b);
      }
    }
    in.readNBytes(length);
    return status;
  }
}
