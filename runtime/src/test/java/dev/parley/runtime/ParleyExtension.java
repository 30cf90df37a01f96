package dev.parley.runtime;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One actor test kit per test class, and the runtimes its tests start inside it: every runtime a
 * test starts is shut down after that test, the kit after the class. Register it with
 * {@code @RegisterExtension static final ParleyExtension parleys = new ParleyExtension();} and
 * start a runtime with {@code parleys.start(ParleyTestKit.builder("...").handler(...))}.
 */
final class ParleyExtension implements AfterEachCallback, AfterAllCallback {
  private static final StackWalker STACK =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

  private final ActorTestKit testKit;
  private final List<Parley> started = new ArrayList<>();

  /** A kit with the default test configuration, its system named after the test class. */
  ParleyExtension() {
    testKit = ActorTestKit.create(STACK.getCallerClass().getSimpleName());
  }

  /** A kit whose actor system runs with {@code config}, e.g. a finer scheduler tick. */
  ParleyExtension(Config config) {
    testKit = ActorTestKit.create(STACK.getCallerClass().getSimpleName(), config);
  }

  ActorTestKit testKit() {
    return testKit;
  }

  /** Builds the runtime inside the kit's actor system; it is shut down after the test. */
  Parley start(ParleyBuilder builder) {
    Parley parley = builder.actorSystem(testKit.system()).build();
    started.add(parley);
    return parley;
  }

  /** Retries {@code assertion} until it passes, for at most {@code max}. */
  void eventually(Duration max, Runnable assertion) {
    testKit
        .createTestProbe()
        .awaitAssert(
            max,
            () -> {
              assertion.run();
              return null;
            });
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<Parley> stopping = List.copyOf(started);
    started.clear();
    stopping.forEach(parley -> ParleyTestKit.await(parley.shutdown()));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    testKit.shutdownTestKit();
  }
}
