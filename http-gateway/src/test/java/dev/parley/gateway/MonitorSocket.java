package dev.parley.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client of a test server's {@code /monitor/ws}: its messages, parsed, one at a time. */
final class MonitorSocket implements WebSocket.Listener, AutoCloseable {
  private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private WebSocket socket;

  static MonitorSocket open(TestGateway gw) {
    MonitorSocket client = new MonitorSocket();
    URI uri = URI.create(gw.base().replace("http://", "ws://") + "/monitor/ws");
    client.socket = TestGateway.await(gw.client().newWebSocketBuilder().buildAsync(uri, client));
    return client;
  }

  /** The next message, waiting for it up to {@link TestGateway#PATIENCE}. */
  JsonNode next() throws InterruptedException {
    JsonNode message = messages.poll(TestGateway.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new AssertionError("no monitor message within " + TestGateway.PATIENCE);
    }
    return message;
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      messages.add(TestGateway.parse(partial.toString()));
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public void close() {
    socket.abort();
  }
}
