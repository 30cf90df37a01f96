package dev.parley.samples;

import java.util.List;

/** The crash test on the demo's default journal: H2 under {@code --data-dir}. */
class DemoServerCrashH2IT extends DemoServerCrashIT {
  @Override
  List<String> journalOptions() {
    return List.of();
  }
}
