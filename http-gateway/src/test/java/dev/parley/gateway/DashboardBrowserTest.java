package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The monitor dashboard in a real headless Chromium against a real server: the page connects, the
 * lanes appear with the depths the server holds, and a lane's pause and resume buttons work. Events
 * are gated, so every depth the page shows is one the test set up, not a race. Needs Chromium (or
 * Chrome) and chromedriver ({@link Chromium} says where it looks); without them the test fails, it
 * is not skipped. {@code mvn verify -DskipBrowserTests} leaves out the tests tagged {@code browser}
 * on purpose.
 */
@Tag("browser")
class DashboardBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");

  private final ScriptedHandler handler = new ScriptedHandler();
  private TestGateway gw;
  private ChromeDriverService service;
  private WebDriver driver;

  @BeforeEach
  void start(@TempDir Path profile) {
    gw = TestGateway.start(Parley.builder().handler(handler), "parley.monitor.interval = 200ms");
    driver = startChromium(profile);
  }

  @AfterEach
  void stop() {
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      if (service != null) {
        service.stop();
      }
      handler.openAll();
      gw.close();
    }
  }

  @Test
  void lanesShowTheirDepthsAndTheirPauseAndResumeButtonsWork() {
    driver.get(gw.base() + "/monitor");
    awaitText(By.id("connection"), "connected");

    // The first event of each lane runs and is held; the others wait: alice 3, bob 1, team 2.
    for (int i = 1; i <= 4; i++) {
      submit("alice", "alice-" + i, null);
    }
    submit("bob", "bob-1", null);
    submit("bob", "bob-2", null);
    for (int i = 1; i <= 3; i++) {
      submit("team-space-" + i, "team-" + i, "team");
    }
    awaitLane("alice", "3", "busy");
    awaitLane("bob", "1", "busy");
    awaitLane("team", "2", "busy");
    awaitText(By.id("lanes-total"), "3");
    awaitText(By.id("queue-length"), "6");
    awaitText(By.id("dead-letters"), "0");
    assertEquals(
        List.of("alice", "team", "bob"),
        driver.findElements(By.cssSelector("#lanes tbody tr")).stream()
            .map(row -> row.getDomAttribute("data-lane"))
            .toList(),
        "lanes by depth");

    // Pause bob from the page: the API answers 200 and the lane is paused.
    row("bob").findElement(By.cssSelector("button.pause")).click();
    awaitControlStatus("pause bob");
    JsonNode bob = gw.get("/v1/spaces/bob").assertJson(200);
    assertTrue(bob.path("paused").asBoolean(), bob::toString);
    assertEquals("bob-1", bob.path("running").path("id").asText(), bob::toString);

    // A paused lane finishes its running event, then holds the next one.
    handler.open("bob-1");
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome("bob-1"));
    awaitLane("bob", "1", "paused");
    bob = gw.get("/v1/spaces/bob").assertJson(200);
    assertTrue(bob.path("paused").asBoolean(), bob::toString);
    assertEquals("bob-2", bob.path("pending").path(0).path("id").asText(), bob::toString);
    assertFalse(handler.started("bob-2").isDone(), "bob-2 ran on a paused lane");
    awaitLane("alice", "3", "busy");
    awaitLane("team", "2", "busy");
    screenshot("dashboard.png");

    // Resume bob from the page: bob-2 runs, and the lane empties.
    row("bob").findElement(By.cssSelector("button.resume")).click();
    awaitControlStatus("resume bob");
    handler.open("bob-2");
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome("bob-2"));
    assertFalse(gw.get("/v1/spaces/bob").assertJson(200).path("paused").asBoolean());
    awaitLane("bob", "0", "healthy");
    awaitLane("alice", "3", "busy");
  }

  /**
   * Starts the machine's Chromium through its chromedriver (see {@link Chromium} for where they are
   * looked for), both named explicitly so that Selenium Manager is never asked (and never downloads
   * anything); fails the test if it cannot.
   */
  private WebDriver startChromium(Path profile) {
    Chromium.Install chromium = Chromium.find();
    System.setProperty(
        ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, chromium.driver().toString());
    System.setProperty("SE_OFFLINE", "true"); // passed on to Selenium Manager, were it ever run
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.browser().toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        "--user-data-dir=" + profile.toAbsolutePath());
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromium.driver().toFile())
            .usingAnyFreePort()
            .withLogFile(TARGET.resolve("chromedriver.log").toFile())
            .build();
    try {
      return new ChromeDriver(service, options);
    } catch (WebDriverException e) {
      throw new AssertionError(
          "headless Chromium did not start ("
              + chromium.browser()
              + " via "
              + chromium.driver()
              + "; see target/chromedriver.log)",
          e);
    }
  }

  /** Posts a gated event: it runs only once the test opens its gate. */
  private void submit(String space, String id, String group) {
    String groupField = group == null ? "" : ",\"group\":\"" + group + "\"";
    gw.post(
            "/v1/spaces/" + space + "/events",
            "{\"id\":\"" + id + "\"" + groupField + ",\"payload\":{\"gated\":true}}")
        .assertJson(202);
  }

  private WebElement row(String lane) {
    return driver.findElement(By.cssSelector("#lanes tr[data-lane='" + lane + "']"));
  }

  private WebDriverWait waiting(String what) {
    WebDriverWait wait = new WebDriverWait(driver, WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    wait.withMessage(() -> what + "; lanes shown: " + lanesText());
    return wait;
  }

  private String lanesText() {
    try {
      return driver.findElement(By.id("lanes")).getText().replace('\n', '|');
    } catch (WebDriverException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private void awaitText(By locator, String text) {
    waiting(locator + " should read " + text)
        .until(d -> text.equals(d.findElement(locator).getText()));
  }

  /** Waits until the lane's row shows {@code depth} and {@code health} (text and class). */
  private void awaitLane(String lane, String depth, String health) {
    waiting("lane " + lane + " should show depth " + depth + " and health " + health)
        .until(
            d -> {
              WebElement row = row(lane);
              WebElement healthCell = row.findElement(By.cssSelector("td.health"));
              return depth.equals(row.findElement(By.cssSelector("td.depth")).getText())
                  && health.equals(healthCell.getText())
                  && healthCell.getDomAttribute("class").contains("health-" + health);
            });
  }

  /** Waits until the control status reports a 200 answer to the action {@code label}. */
  private void awaitControlStatus(String label) {
    By status = By.id("control-status");
    waiting("control status should report " + label + ": 200")
        .until(
            d -> {
              WebElement el = d.findElement(status);
              return el.getText().startsWith(label + ": 200")
                  && el.getDomAttribute("class").contains("ok")
                  && "200".equals(el.getDomAttribute("data-status"));
            });
  }

  /** Saves a picture of the whole page to target/: the window is made as tall as the page. */
  private void screenshot(String name) {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    long page =
        ((Number) js.executeScript("return document.documentElement.scrollHeight")).longValue();
    long chrome =
        ((Number) js.executeScript("return window.outerHeight - window.innerHeight")).longValue();
    Dimension window = driver.manage().window().getSize();
    driver.manage().window().setSize(new Dimension(window.getWidth(), (int) (page + chrome)));
    js.executeScript("window.scrollTo(0, 0)");
    File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    try {
      Files.createDirectories(TARGET);
      Files.copy(shot.toPath(), TARGET.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
