package dev.parley.gateway;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the browser tests find Chromium (or Chrome) and its chromedriver, in this order: the system
 * property ({@code -Dparley.chromium=…}, {@code -Dparley.chromedriver=…}), the environment variable
 * ({@code PARLEY_CHROMIUM}, {@code PARLEY_CHROMEDRIVER}), the {@code PATH}, then the usual install
 * locations (Debian's first). Both are named to Selenium explicitly, so that Selenium Manager never
 * downloads anything.
 */
final class Chromium {
  static final String BROWSER_PROPERTY = "parley.chromium";
  static final String DRIVER_PROPERTY = "parley.chromedriver";
  static final String BROWSER_ENV = "PARLEY_CHROMIUM";
  static final String DRIVER_ENV = "PARLEY_CHROMEDRIVER";

  private static final List<String> BROWSER_NAMES =
      List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome");
  private static final List<String> BROWSER_DEFAULTS =
      List.of(
          "/usr/bin/chromium",
          "/usr/lib/chromium/chromium",
          "/Applications/Chromium.app/Contents/MacOS/Chromium",
          "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe");
  private static final List<String> DRIVER_NAMES = List.of("chromedriver");
  private static final List<String> DRIVER_DEFAULTS =
      List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

  /** The browser and the driver to run it with. */
  record Install(Path browser, Path driver) {}

  private Chromium() {}

  /** Finds both on this machine, or fails with what was tried and how to set or skip it. */
  static Install find() {
    return find(System::getProperty, System::getenv);
  }

  static Install find(Function<String, String> properties, Function<String, String> env) {
    List<String> tried = new ArrayList<>();
    Optional<Path> browser =
        locate(
            BROWSER_PROPERTY, BROWSER_ENV, BROWSER_NAMES, BROWSER_DEFAULTS, properties, env, tried);
    Optional<Path> driver =
        locate(DRIVER_PROPERTY, DRIVER_ENV, DRIVER_NAMES, DRIVER_DEFAULTS, properties, env, tried);
    if (browser.isEmpty() || driver.isEmpty()) {
      throw new AssertionError(
          (browser.isEmpty() ? "no Chromium or Chrome found" : "no chromedriver found")
              + " for the dashboard browser test; tried "
              + tried
              + ". Name them with -D"
              + BROWSER_PROPERTY
              + "=… -D"
              + DRIVER_PROPERTY
              + "=… (or "
              + BROWSER_ENV
              + ", "
              + DRIVER_ENV
              + "), install them (Debian: apt-get install chromium chromium-driver), or run the"
              + " suite without browser tests on purpose: mvn verify -DskipBrowserTests");
    }
    return new Install(browser.get(), driver.get());
  }

  private static Optional<Path> locate(
      String property,
      String envName,
      List<String> names,
      List<String> defaults,
      Function<String, String> properties,
      Function<String, String> env,
      List<String> tried) {
    for (String given : new String[] {properties.apply(property), env.apply(envName)}) {
      if (given != null && !given.isBlank()) {
        tried.add(given);
        // A name given on purpose that does not run is an error, not a reason to look elsewhere.
        return executable(Path.of(given));
      }
    }
    String path = env.apply("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        for (String name : names) {
          for (String candidate : List.of(name, name + ".exe")) {
            if (!dir.isBlank()) {
              Optional<Path> found = executable(Path.of(dir, candidate));
              if (found.isPresent()) {
                return found;
              }
            }
          }
        }
      }
      tried.add(String.join("|", names) + " on PATH");
    }
    for (String location : defaults) {
      tried.add(location);
      Optional<Path> found = executable(Path.of(location));
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> executable(Path candidate) {
    return Files.isRegularFile(candidate) && Files.isExecutable(candidate)
        ? Optional.of(candidate.toAbsolutePath())
        : Optional.empty();
  }
}
