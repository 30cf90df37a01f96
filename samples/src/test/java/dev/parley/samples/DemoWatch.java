package dev.parley.samples;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Watches the demo processes a test started: prints their output when the test fails, and ends them
 * after each test. Register with {@code @RegisterExtension final DemoWatch watch = new
 * DemoWatch();} and start processes through {@link #track}.
 */
final class DemoWatch implements TestWatcher, AfterEachCallback {
  private final List<DemoProcess> demos = new ArrayList<>();

  /** Watches {@code started} from now on, and returns it. */
  DemoProcess track(DemoProcess started) {
    demos.add(started);
    return started;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    for (DemoProcess demo : demos) {
      System.err.println("--- demo process output ---\n" + demo.output() + "--- end ---");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    demos.forEach(DemoProcess::close);
  }
}
