package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the browser tests find Chromium and chromedriver: property, environment, PATH. */
class ChromiumTest {
  @TempDir Path dir;

  @Test
  void aSystemPropertyWinsOverTheEnvironmentAndThePath() throws IOException {
    Path browser = executable("my-chrome");
    Path driver = executable("my-driver");
    executable("chromium");
    executable("chromedriver");
    Map<String, String> props =
        Map.of(
            Chromium.BROWSER_PROPERTY,
            browser.toString(),
            Chromium.DRIVER_PROPERTY,
            driver.toString());
    Map<String, String> env =
        Map.of(Chromium.BROWSER_ENV, "/nowhere/chromium", "PATH", dir.toString());
    Chromium.Install found = Chromium.find(props::get, env::get);
    assertEquals(browser, found.browser());
    assertEquals(driver, found.driver());
  }

  @Test
  void theEnvironmentWinsOverThePath() throws IOException {
    Path browser = executable("env-chrome");
    executable("chromium");
    Path driver = executable("chromedriver");
    Map<String, String> env =
        Map.of(Chromium.BROWSER_ENV, browser.toString(), "PATH", dir.toString());
    Chromium.Install found = Chromium.find(name -> null, env::get);
    assertEquals(browser, found.browser());
    assertEquals(driver, found.driver());
  }

  @Test
  void thePathIsSearchedForTheUsualNames() throws IOException {
    Path browser = executable("google-chrome");
    Path driver = executable("chromedriver");
    Chromium.Install found = Chromium.find(name -> null, Map.of("PATH", dir.toString())::get);
    assertEquals(browser, found.browser());
    assertEquals(driver, found.driver());
  }

  @Test
  void aGivenNameThatDoesNotRunFailsWithWhatWasTriedAndHowToSkip() throws IOException {
    executable("chromium");
    executable("chromedriver");
    Map<String, String> env =
        Map.of(Chromium.DRIVER_ENV, "/nowhere/chromedriver", "PATH", dir.toString());
    AssertionError error =
        assertThrows(AssertionError.class, () -> Chromium.find(name -> null, env::get));
    assertTrue(error.getMessage().contains("/nowhere/chromedriver"), error::getMessage);
    assertTrue(error.getMessage().contains("-DskipBrowserTests"), error::getMessage);
  }

  private Path executable(String name) throws IOException {
    Path file = Files.createFile(dir.resolve(name));
    assertTrue(file.toFile().setExecutable(true), "chmod +x " + file);
    return file.toAbsolutePath();
  }
}
