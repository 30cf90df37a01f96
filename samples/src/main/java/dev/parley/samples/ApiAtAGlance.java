package dev.parley.samples;

import dev.parley.runtime.Event;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.Reply;
import dev.parley.runtime.Stats;
import dev.parley.runtime.stats.StateUpdate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The README's "API at a glance", as code the build compiles and a test runs: the README's snippet
 * is the text between the two {@code readme:} markers below, and {@code ReadmeSnippetsTest} fails
 * when the two differ.
 *
 * <p>Run: {@code mvn -B -q install -DskipTests && mvn -B -q -pl samples exec:java
 * -Dexec.mainClass=dev.parley.samples.ApiAtAGlance}
 */
public final class ApiAtAGlance {
  private static final Logger log = LoggerFactory.getLogger(ApiAtAGlance.class);

  /** What one run saw: the event's outcome and the stats taken after it was submitted. */
  record Result(Outcome outcome, Stats stats) {}

  private ApiAtAGlance() {}

  public static void main(String[] args) {
    Result result = run();
    System.out.println(result.outcome());
  }

  static Result run() {
    // spotless:off (the README's layout, aligned comments and all)
    // readme:api-at-a-glance:start
    Parley parley = Parley.builder()
        .handler((event, lane) -> CompletableFuture.completedFuture(Reply.of("echo: " + event.payload())))
        .build();                                   // starts its own ActorSystem, or .actorSystem(existing)

    CompletionStage<Outcome> done = parley.submit(
        Event.to("user-A").payload("hi").build());  // completes with the event's terminal outcome

    Stats stats = parley.stats();                   // totals, queue length and health per lane
    parley.monitor().updates()                      // a StateUpdate at once, then one per interval
        .runWith(Sink.foreach((StateUpdate update) -> log.info("{} pending", update.queueLength())),
            parley.actorSystem());                  // the ActorSystem Parley started (or was given)
    parley.close();                                 // stop accepting, drain, then stop (shutdown(): without waiting)
    // readme:api-at-a-glance:end
    // spotless:on
    return new Result(done.toCompletableFuture().join(), stats);
  }
}
