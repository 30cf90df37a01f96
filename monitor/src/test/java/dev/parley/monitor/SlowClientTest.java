package dev.parley.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.runtime.Event;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading: the server keeps at most the newest update for it (its feed
 * conflates) plus what the socket buffers hold, disconnects it after {@code
 * parley.monitor.client-idle-timeout}, and meanwhile serves the other clients at their pace.
 */
class SlowClientTest {
  private static final String LONG = "x".repeat(100);

  @Test
  void aClientThatNeverReadsIsDisconnectedAndDelaysNobody() throws Exception {
    CompletableFuture<Reply> held = new CompletableFuture<>(); // every event waits on it
    try (TestMonitor monitor =
        TestMonitor.start(
            Parley.builder().handler((event, lane) -> held),
            "parley.monitor.interval = 50ms\nparley.monitor.client-idle-timeout = 1s")) {
      // Big updates (about 0.5 MB each with every lane shown) fill any socket buffer quickly.
      for (int i = 0; i < 800; i++) {
        monitor.parley.submit(Event.to(LONG + i).build());
      }
      TestMonitor.Feed reader = monitor.connect("/monitor/ws");
      reader.await(u -> u.get("workerPool").get("totalWorkers").asInt() == 800);

      try (Socket stalled = new Socket()) {
        stalled.setReceiveBufferSize(1024);
        stalled.connect(new InetSocketAddress("127.0.0.1", monitor.port()));
        handshake(stalled, "/monitor/ws?top=10000");
        int before = reader.updates.size();

        // Never read: the server must give up on this client within its idle timeout...
        reader.await(u -> monitor.routes.stalledClientsDisconnected() == 1); // checked per update
        // ...while the other client went on getting an update every interval (about 20 a second).
        int during = reader.updates.size() - before;
        assertTrue(during >= 10, "the reading client got only " + during + " updates meanwhile");

        // What the stalled socket holds is bounded, and then the server has closed it.
        long buffered = drainToEnd(stalled.getInputStream());
        assertTrue(buffered < 64L * 1024 * 1024, "read " + buffered + " bytes before the end");
      }
      int after = reader.updates.size();
      reader.await(u -> reader.updates.size() > after + 3); // and it still gets updates
      assertEquals(1, monitor.routes.stalledClientsDisconnected());
      held.complete(Reply.empty());
    }
  }

  /** Sends a WebSocket upgrade and reads the response head (only that), expecting 101. */
  private static void handshake(Socket socket, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake: " + head);
      }
      head.write(b);
    }
    assertTrue(
        head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101"),
        head.toString(StandardCharsets.US_ASCII));
  }

  private static long drainToEnd(InputStream in) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      total += n;
    }
    return total;
  }
}
