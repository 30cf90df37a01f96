package dev.parley.gateway;

import dev.parley.runtime.Event;
import dev.parley.runtime.Handler;
import dev.parley.runtime.LaneContext;
import dev.parley.runtime.Reply;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handler the request's payload steers, for route tests: {@code {"gated": true}} waits until the
 * test opens the event's gate, {@code {"failFirst": n}} throws a retryable error on the first n
 * invocations of the event, {@code {"fail": "fatal"}} throws a non-retryable one; otherwise it
 * replies {@code {"echo": payload, "lane", "invocation"}}. It counts invocations per event id and
 * signals each start.
 */
final class ScriptedHandler implements Handler {
  private final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> started = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> invocations = new ConcurrentHashMap<>();
  private volatile boolean allOpen;

  @Override
  public CompletionStage<Reply> handle(Event event, LaneContext lane) {
    int invocation = counter(event.id()).incrementAndGet();
    started(event.id()).complete(null);
    Map<?, ?> payload = event.payload() instanceof Map<?, ?> map ? map : Map.of();
    if (payload.get("failFirst") instanceof Number failFirst
        && invocation <= failFirst.intValue()) {
      throw new IllegalStateException("invocation " + invocation + " failed");
    }
    if ("fatal".equals(payload.get("fail"))) {
      throw new IllegalArgumentException("bad input");
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("echo", event.payload());
    reply.put("lane", lane.laneKey());
    reply.put("invocation", invocation);
    if (Boolean.TRUE.equals(payload.get("gated"))) {
      // A stage of its own: cancelling it (an interrupt) leaves the gate alone.
      return gate(event.id()).thenApply(open -> Reply.of(reply));
    }
    return CompletableFuture.completedFuture(Reply.of(reply));
  }

  /** Completes once the handler was called for {@code eventId}. */
  CompletableFuture<Void> started(String eventId) {
    return started.computeIfAbsent(eventId, id -> new CompletableFuture<>());
  }

  /** Lets the gated event {@code eventId} complete. */
  void open(String eventId) {
    gate(eventId).complete(null);
  }

  /** Lets every gated event complete, now and later, so that a server can drain quickly. */
  void openAll() {
    allOpen = true;
    gates.values().forEach(gate -> gate.complete(null));
  }

  int invocations(String eventId) {
    return counter(eventId).get();
  }

  private CompletableFuture<Void> gate(String eventId) {
    CompletableFuture<Void> gate = gates.computeIfAbsent(eventId, id -> new CompletableFuture<>());
    if (allOpen) {
      gate.complete(null);
    }
    return gate;
  }

  private AtomicInteger counter(String eventId) {
    return invocations.computeIfAbsent(eventId, id -> new AtomicInteger());
  }
}
