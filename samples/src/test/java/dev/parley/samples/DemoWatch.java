package dev.parley.samples;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Watches the demo process a test started: prints its output when the test fails, and ends it after
 * each test. Register with {@code @RegisterExtension final DemoWatch watch = new DemoWatch();} and
 * start processes through {@link #track}.
 */
final class DemoWatch implements TestWatcher, AfterEachCallback {
  private DemoProcess demo;

  /** Watches {@code started} from now on, and returns it. */
  DemoProcess track(DemoProcess started) {
    demo = started;
    return started;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    if (demo != null) {
      System.err.println("--- demo process output ---\n" + demo.output() + "--- end ---");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (demo != null) {
      demo.close();
      demo = null;
    }
  }
}
