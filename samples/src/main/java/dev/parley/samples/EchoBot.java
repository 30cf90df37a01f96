package dev.parley.samples;

import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.NonRetryableException;
import dev.parley.runtime.Reply;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's bot. Payload {@code {"text": string, "delayMs"?: 0..60000, "fail"?: bool, "hang"?:
 * bool}}; reply {@code {"text": "echo: " + text, "spaceId", "lane", "seq", "startedAt",
 * "finishedAt"}}, where {@code seq} counts the events its lane has handled since start. {@code
 * delayMs} waits on a timer (no thread sleeps); {@code fail} throws; {@code hang} never completes,
 * so the handler timeout ends it.
 */
public final class EchoBot implements Handler {
  private static final long MAX_DELAY_MS = 60_000;

  private final ScheduledExecutorService timer;
  private final Map<String, AtomicLong> seqByLane = new ConcurrentHashMap<>();

  public EchoBot(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  @Override
  public CompletionStage<Reply> handle(Event event, LaneContext lane) {
    if (!(event.payload() instanceof Map<?, ?> payload)) {
      throw new NonRetryableException("payload: must be an object with a \"text\" string");
    }
    if (!(payload.get("text") instanceof String text)) {
      throw new NonRetryableException("payload.text: must be a string");
    }
    long delayMs = delayMs(payload.get("delayMs"));
    if (Boolean.TRUE.equals(payload.get("fail"))) {
      throw new IllegalStateException("failed on purpose (fail: true)");
    }
    if (Boolean.TRUE.equals(payload.get("hang"))) {
      return new CompletableFuture<>(); // the handler timeout ends it
    }
    long startedAt = System.currentTimeMillis();
    long seq = seqByLane.computeIfAbsent(lane.laneKey(), k -> new AtomicLong()).incrementAndGet();
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    Runnable answer =
        () -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("text", "echo: " + text);
          body.put("spaceId", event.spaceId());
          body.put("lane", lane.laneKey());
          body.put("seq", seq);
          body.put("startedAt", startedAt);
          body.put("finishedAt", System.currentTimeMillis());
          reply.complete(Reply.of(body));
        };
    if (delayMs == 0) {
      answer.run();
    } else {
      timer.schedule(answer, delayMs, TimeUnit.MILLISECONDS);
    }
    return reply;
  }

  private static long delayMs(Object value) {
    if (value == null) {
      return 0;
    }
    if (!(value instanceof Number number)
        || number.doubleValue() != Math.rint(number.doubleValue())
        || number.longValue() < 0
        || number.longValue() > MAX_DELAY_MS) {
      throw new NonRetryableException("payload.delayMs: must be an integer from 0 to 60000");
    }
    return number.longValue();
  }
}
