package dev.parley.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.monitor.StateUpdateJson;
import dev.parley.runtime.Outcome;
import dev.parley.runtime.Parley;
import dev.parley.runtime.RetryPolicy;
import dev.parley.runtime.WorkerHealth;
import dev.parley.runtime.stats.LaneReport;
import dev.parley.runtime.stats.StateUpdate;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The monitor dashboard in a real headless Chromium against a real server: the page connects, the
 * lanes appear with the depths the server holds, a lane's pause and resume buttons work and match
 * its state, the server's history is charted on load, a lane's queue shows as cards that reorder by
 * dragging and change priority from their control, cancelling (one or several) asks first, and
 * Export downloads {@code /v1/export}. Events are gated, so every depth the page shows is one the
 * test set up, not a race. Needs Chromium (or Chrome) and chromedriver ({@link Chromium} says where
 * it looks); without them the test fails, it is not skipped. {@code mvn verify -DskipBrowserTests}
 * leaves out the tests tagged {@code browser} on purpose.
 */
@Tag("browser")
class DashboardBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Path TARGET = Path.of(System.getProperty("basedir", ".")).resolve("target");

  private final ScriptedHandler handler = new ScriptedHandler();
  private TestGateway gw;
  private Path downloads;
  private ChromeDriverService service;
  private WebDriver driver;

  @BeforeEach
  void start(@TempDir Path profile) {
    gw =
        TestGateway.start(
            Parley.builder()
                .handler(handler)
                .retryPolicy(
                    RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ZERO).build()),
            "parley.monitor.interval = 200ms");
    downloads = profile.resolve("downloads");
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
      gw.submitGated("alice", "alice-" + i, null);
    }
    gw.submitGated("bob", "bob-1", null);
    gw.submitGated("bob", "bob-2", null);
    for (int i = 1; i <= 3; i++) {
      gw.submitGated("team-space-" + i, "team-" + i, "team");
    }
    awaitLane("alice", "3", "busy");
    awaitLane("bob", "1", "busy");
    awaitLane("team", "2", "busy");
    awaitText(By.id("lanes-total"), "3");
    awaitText(By.id("queue-length"), "6");
    awaitText(By.id("dead-letters"), "0");
    assertFalse(driver.findElement(By.id("nodes-card")).isDisplayed(), "one JVM: no nodes");
    assertFalse(row("alice").findElement(By.cssSelector("td.node")).isDisplayed());
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
    // Buttons that match the state: the paused lane offers Resume only, the others Pause only.
    waiting("bob's row should offer Resume only")
        .until(
            d ->
                !row("bob").findElement(By.cssSelector("button.pause")).isDisplayed()
                    && row("bob").findElement(By.cssSelector("button.resume")).isDisplayed());
    assertTrue(row("alice").findElement(By.cssSelector("button.pause")).isDisplayed());
    assertFalse(row("alice").findElement(By.cssSelector("button.resume")).isDisplayed());

    // alice's queue as cards, for the picture: the running event and the three pending ones.
    openLane("alice");
    awaitCards("alice-1", "alice-2", "alice-3", "alice-4");
    WebElement running = card("alice-1");
    assertTrue(running.getDomAttribute("class").contains("card-running"), running::toString);
    WebElement second = card("alice-3");
    assertEquals("1", second.findElement(By.cssSelector(".field-position b")).getText());
    assertEquals("P2", second.findElement(By.cssSelector(".priority")).getText());
    assertEquals("0", second.findElement(By.cssSelector(".field-attempts b")).getText());
    WebElement priority = second.findElement(By.cssSelector("select.reprioritize"));
    assertTrue(priority.isDisplayed(), "a pending card offers its priority control");
    assertEquals("P2", new Select(priority).getFirstSelectedOption().getText());
    assertTrue(
        running.findElements(By.cssSelector("select.reprioritize")).isEmpty(),
        "the running card has no priority control");
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

  @Test
  void theLanePanelAndTheGlobalButtonOfferOnlyWhatTheStateAllows() {
    gw.submitGated("alice", "p1", null);
    TestGateway.await(handler.started("p1"));
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitOnlyShown("lane-pause", "lane-resume");
    awaitOnlyShown("pause-all", "resume-all");

    driver.findElement(By.id("lane-pause")).click();
    awaitControlStatus("pause alice");
    assertTrue(gw.get("/v1/spaces/alice").assertJson(200).path("paused").asBoolean());
    awaitOnlyShown("lane-resume", "lane-pause");
    driver.findElement(By.id("lane-resume")).click();
    awaitControlStatus("resume alice");
    assertFalse(gw.get("/v1/spaces/alice").assertJson(200).path("paused").asBoolean());
    awaitOnlyShown("lane-pause", "lane-resume");

    driver.findElement(By.id("pause-all")).click();
    awaitControlStatus("pause all");
    awaitOnlyShown("resume-all", "pause-all");
    awaitText(By.id("is-running"), "stopped");
    driver.findElement(By.id("resume-all")).click();
    awaitControlStatus("resume all");
    awaitOnlyShown("pause-all", "resume-all");
    awaitText(By.id("is-running"), "running");
  }

  @Test
  void theHistoryFromBeforeThePageLoadedIsChartedOnLoad() throws Exception {
    for (int i = 1; i <= 5; i++) {
      gw.post("/v1/spaces/hist/events", "{\"id\":\"h" + i + "\",\"payload\":{}}").assertJson(202);
    }
    gw.awaitOutcome("h5");
    // Some updates go by before any page exists; then the server's history starts before them.
    JsonNode history = historyAfter(4);
    JsonNode points = history.path("points");
    long oldest = points.get(0).get(0).asLong();

    driver.get(gw.base() + "/monitor");
    awaitText(By.id("connection"), "connected");
    By status = By.id("history-status");
    waiting("the page should chart the history from " + oldest)
        .until(
            d -> {
              WebElement el = d.findElement(status);
              return String.valueOf(oldest).equals(el.getDomAttribute("data-first-ts"))
                  && Integer.parseInt(el.getDomAttribute("data-points")) >= points.size();
            });
    assertTrue(driver.findElement(status).getText().contains("points since"));
    // The time axis spans the points, or at least the minute before the newest: never years.
    for (long[] axis : timeAxes()) {
      long min = axis[0];
      long max = axis[1];
      assertTrue(min <= oldest && max - min >= 60_000, () -> "x axis " + min + ".." + max);
      assertTrue(max - min <= 15 * 60_000 + 60_000, () -> "x axis " + min + ".." + max);
    }
    assertEquals(
        3, driver.findElements(By.cssSelector(".chart .u-over")).size(), "three charts drawn");
  }

  @Test
  void aLonePointIsChartedAsTheMinuteBeforeIt() {
    // No history and one update an hour: the page holds the one update it got on connecting.
    gw.close();
    gw =
        TestGateway.start(
            Parley.builder().handler(handler),
            "parley.monitor.interval = 1h",
            "parley.monitor.history = 0s");
    driver.get(gw.base() + "/monitor");
    awaitText(By.id("connection"), "connected");
    By status = By.id("history-status");
    waiting("the page should chart one point")
        .until(d -> "1".equals(d.findElement(status).getDomAttribute("data-points")));
    long point = Long.parseLong(driver.findElement(status).getDomAttribute("data-first-ts"));
    for (long[] axis : timeAxes()) {
      assertEquals(point - 60_000, axis[0], "x axis starts a minute before the point");
      assertEquals(point, axis[1], "x axis ends at the point");
    }
  }

  @Test
  void draggingACardReordersTheLaneAsTheRestViewReports() {
    for (int i = 1; i <= 4; i++) {
      gw.submitGated("alice", "a" + i, null);
    }
    TestGateway.await(handler.started("a1"));
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitCards("a1", "a2", "a3", "a4");

    // Drag a4 above a2: a4 runs next.
    WebElement target = card("a2");
    new Actions(driver)
        .clickAndHold(card("a4").findElement(By.cssSelector(".handle")))
        .moveByOffset(0, -5)
        .moveToElement(target, 0, -target.getSize().getHeight() / 4)
        .release()
        .perform();

    awaitRestOrder("alice", "a4", "a2", "a3");
    awaitControlStatus("move a4 to 0");
    awaitCards("a1", "a4", "a2", "a3");
    handler.openAll();
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome("a3"));
  }

  @Test
  void cancellingAsksFirstKeepingChangesNothingAndConfirmingCancels() {
    gw.submitGated("alice", "c1", null);
    TestGateway.await(handler.started("c1"));
    gw.submitGated("alice", "c2", null);
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitCards("c1", "c2");

    card("c2").findElement(By.cssSelector("button.cancel")).click();
    awaitDialog(true);
    assertTrue(driver.findElement(By.id("confirm-message")).getText().contains("c2"));
    driver.findElement(By.id("confirm-no")).click();
    awaitDialog(false);
    awaitText(By.id("control-status"), "cancel c2: kept");
    assertEquals(
        "pending", gw.get("/v1/spaces/alice/events/c2").assertJson(200).path("status").asText());

    // The emergency stop asks too; keeping sends nothing.
    driver.findElement(By.id("emergency-stop")).click();
    awaitDialog(true);
    driver.findElement(By.id("confirm-no")).click();
    awaitDialog(false);
    awaitText(By.id("control-status"), "emergency stop: not sent");
    assertEquals(
        "pending", gw.get("/v1/spaces/alice/events/c2").assertJson(200).path("status").asText());
    assertFalse(handler.started("c1").isCompletedExceptionally());

    card("c2").findElement(By.cssSelector("button.cancel")).click();
    awaitDialog(true);
    driver.findElement(By.id("confirm-yes")).click();
    awaitDialog(false);
    awaitControlStatus("cancel c2");
    assertInstanceOf(Outcome.Cancelled.class, gw.awaitOutcome("c2"));
    awaitCards("c1");
  }

  @Test
  void purgingDeadLettersAsksFirstAndKeepingLeavesThem() {
    gw.post(
            "/v1/spaces/dl/events",
            "{\"id\":\"d1\",\"payload\":{\"failFirst\":2}}",
            "Prefer",
            "wait=5")
        .assertJson(200);
    driver.get(gw.base() + "/monitor");
    awaitText(By.id("connection"), "connected");
    driver.findElement(By.id("load-dead-letters")).click();
    waiting("d1 should be listed")
        .until(
            d -> !d.findElements(By.cssSelector("#dead-letter-list tr[data-id='d1']")).isEmpty());

    driver.findElement(By.id("purge-dead-letters")).click();
    awaitDialog(true);
    driver.findElement(By.id("confirm-no")).click();
    awaitDialog(false);
    awaitText(By.id("control-status"), "purge dead letters: kept");
    assertEquals(1, gw.get("/v1/dead-letters").assertJson(200).path("deadLetters").size());

    driver.findElement(By.id("purge-dead-letters")).click();
    awaitDialog(true);
    driver.findElement(By.id("confirm-yes")).click();
    awaitControlStatus("purge dead letters");
    assertEquals(0, gw.get("/v1/dead-letters").assertJson(200).path("deadLetters").size());
    waiting("the list should be empty")
        .until(d -> d.findElements(By.cssSelector("#dead-letter-list tbody tr")).isEmpty());
  }

  @Test
  void bulkCancelCancelsTheTickedEventsAfterOneConfirmation() {
    for (int i = 1; i <= 4; i++) {
      gw.submitGated("alice", "b" + i, null);
    }
    TestGateway.await(handler.started("b1"));
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitCards("b1", "b2", "b3", "b4");

    card("b2").findElement(By.cssSelector("input.select")).click();
    card("b4").findElement(By.cssSelector("input.select")).click();
    awaitText(By.id("selected-count"), "2");
    driver.findElement(By.id("bulk-cancel")).click();
    awaitDialog(true);
    String message = driver.findElement(By.id("confirm-message")).getText();
    assertTrue(
        message.contains("b2") && message.contains("b4") && !message.contains("b3"), message);
    driver.findElement(By.id("confirm-yes")).click();

    awaitText(By.id("control-status"), "bulk cancel: 2 cancelled");
    assertInstanceOf(Outcome.Cancelled.class, gw.awaitOutcome("b2"));
    assertInstanceOf(Outcome.Cancelled.class, gw.awaitOutcome("b4"));
    assertEquals(
        "pending", gw.get("/v1/spaces/alice/events/b3").assertJson(200).path("status").asText());
    awaitRestOrder("alice", "b3");
    awaitCards("b1", "b3");
    awaitText(By.id("selected-count"), "0");
  }

  @Test
  void changingACardsPriorityChangesThePriorityTheRestViewReports() {
    for (int i = 1; i <= 3; i++) {
      gw.submitGated("alice", "p" + i, null);
    }
    TestGateway.await(handler.started("p1"));
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitCards("p1", "p2", "p3");
    assertEquals("P2", restPriority("alice", "p3"));

    new Select(card("p3").findElement(By.cssSelector("select.reprioritize"))).selectByValue("P0");

    awaitControlStatus("priority p3 P0");
    // The event views of GET /v1/spaces/{s}/events/{id} carry no priority; the lane view does.
    waiting("GET /v1/spaces/alice should report p3 at priority P0")
        .until(d -> "P0".equals(restPriority("alice", "p3")));
    // The lane view is reloaded: the card shows its new priority and keeps its place.
    waiting("p3's card should show P0")
        .until(
            d ->
                "P0".equals(card("p3").findElement(By.cssSelector(".priority")).getText())
                    && "P0"
                        .equals(
                            new Select(
                                    card("p3").findElement(By.cssSelector("select.reprioritize")))
                                .getFirstSelectedOption()
                                .getText()));
    awaitCards("p1", "p2", "p3");
    awaitRestOrder("alice", "p2", "p3");
    assertEquals("P2", restPriority("alice", "p2"));
    assertEquals(
        "pending", gw.get("/v1/spaces/alice/events/p3").assertJson(200).path("status").asText());
    handler.openAll();
    assertInstanceOf(Outcome.Completed.class, gw.awaitOutcome("p3"));
  }

  @Test
  void changingThePriorityOfAnEventThatIsNoLongerPendingShowsTheServersRefusal() {
    gw.submitGated("alice", "q1", null);
    TestGateway.await(handler.started("q1"));
    gw.submitGated("alice", "q2", null);
    driver.get(gw.base() + "/monitor");
    openLane("alice");
    awaitCards("q1", "q2");

    // In one task, so that no refresh of the lane view comes in between: q2 is cancelled behind
    // the page's back, then its card's priority is changed.
    ((JavascriptExecutor) driver)
        .executeScript(
            "const xhr = new XMLHttpRequest();"
                + "xhr.open('DELETE', '/v1/spaces/alice/events/q2', false);"
                + "xhr.setRequestHeader('Content-Type', 'application/json');"
                + "xhr.send();"
                + "const select = document.querySelector("
                + "\"#lane-cards li[data-id='q2'] select.reprioritize\");"
                + "select.value = 'P0';"
                + "select.dispatchEvent(new Event('change', { bubbles: true }));");

    By status = By.id("control-status");
    waiting("control status should report the 409 with the server's reason")
        .until(
            d -> {
              WebElement el = d.findElement(status);
              return el.getText().startsWith("priority q2 P0: 409")
                  && el.getText().contains(" — ")
                  && el.getDomAttribute("class").contains("error")
                  && "409".equals(el.getDomAttribute("data-status"));
            });
    assertInstanceOf(Outcome.Cancelled.class, gw.awaitOutcome("q2"));
    awaitCards("q1");
  }

  @Test
  void exportDownloadsTheQueueStatusFromTheExportRoute() throws IOException {
    gw.submitGated("alice", "x1", null);
    TestGateway.await(handler.started("x1"));
    gw.submitGated("alice", "x2", null);
    driver.get(gw.base() + "/monitor");
    awaitLane("alice", "1", "busy");
    driver.findElement(By.id("export")).click();

    Path[] file = new Path[1];
    waiting("Export should download a parley-export-*.json file into " + downloads)
        .until(
            d -> {
              try (var files = Files.list(downloads)) {
                file[0] =
                    files
                        .filter(f -> f.getFileName().toString().matches("parley-export-.*\\.json"))
                        .findFirst()
                        .orElse(null);
                return file[0] != null && Files.size(file[0]) > 0;
              } catch (IOException e) {
                return false; // the directory appears with the first download
              }
            });
    // The page fetched the export route, and the file is its document.
    Object fetched =
        ((JavascriptExecutor) driver)
            .executeScript(
                "return performance.getEntriesByType('resource')"
                    + ".map(e => new URL(e.name).pathname).filter(p => p === '/v1/export').length");
    assertEquals(1L, fetched, "the page fetched /v1/export once");
    awaitControlStatus("export");
    JsonNode doc = TestGateway.parse(Files.readString(file[0]));
    assertTrue(doc.has("totals") && doc.has("admission"), doc::toString);
    assertEquals(1, doc.path("lanes").size(), doc::toString);
    JsonNode lane = doc.path("lanes").path(0);
    assertEquals("alice", lane.path("lane").asText(), doc::toString);
    assertEquals("x1", lane.path("running").path("id").asText(), doc::toString);
    assertEquals("x2", lane.path("pending").path(0).path("id").asText(), doc::toString);
    assertEquals("P2", lane.path("pending").path(0).path("priority").asText(), doc::toString);
    assertFalse(doc.has("workerPool"), "the export is the queue status, not a state update");
  }

  @Test
  void anEventShorterThanTheMonitorIntervalShowsInRunning() {
    gw.post("/v1/spaces/quick/events", "{\"id\":\"q1\",\"payload\":{}}").assertJson(202);
    gw.awaitOutcome("q1");
    driver.get(gw.base() + "/monitor");
    awaitLane("quick", "0", "healthy");

    // Done within one interval, never running when an update is taken: still, it shows.
    gw.post("/v1/spaces/quick/events", "{\"id\":\"q2\",\"payload\":{}}").assertJson(202);
    gw.awaitOutcome("q2");
    By running = By.cssSelector("#lanes tr[data-lane='quick'] td.running");
    waiting("quick's Running cell should show the finished event")
        .pollingEvery(Duration.ofMillis(20))
        .until(d -> d.findElement(running).getText().matches("q2 \\(done\\).*|\\+[0-9]+ done"));
  }

  @Test
  void anEventSeenRunningShowsAsDoneOnceItEnds() {
    gw.submitGated("slow", "s1", null);
    TestGateway.await(handler.started("s1"));
    driver.get(gw.base() + "/monitor");
    awaitLane("slow", "0", "busy");
    By running = By.cssSelector("#lanes tr[data-lane='slow'] td.running");
    awaitText(running, "s1");

    handler.open("s1");
    gw.awaitOutcome("s1");
    waiting("slow's Running cell should show s1 as done")
        .pollingEvery(Duration.ofMillis(20))
        .until(d -> "s1 (done)".equals(d.findElement(running).getText()));
  }

  /**
   * Starts the machine's Chromium through its chromedriver (see {@link Chromium} for where they are
   * looked for), both named explicitly so that Selenium Manager is never asked (and never downloads
   * anything); fails the test if it cannot.
   */
  /**
   * A cluster's update, as the server writes it, through a stand-in for the page's WebSocket (one
   * JVM cannot host a cluster's server here): each lane shows its node, and the nodes card each
   * node's figures.
   */
  @Test
  void aClustersUpdateShowsEachLanesNodeAndEachNodesFigures() {
    String a = "127.0.0.1:25520";
    String b = "127.0.0.1:25521";
    Map<WorkerHealth, Integer> byHealth = new EnumMap<>(WorkerHealth.class);
    for (WorkerHealth health : WorkerHealth.values()) {
      byHealth.put(health, health == WorkerHealth.BUSY ? 2 : 0);
    }
    StateUpdate update =
        new StateUpdate(
            System.currentTimeMillis(),
            5,
            true,
            new StateUpdate.WorkerPool(
                2,
                2,
                byHealth,
                List.of(
                    lane("alice", 3, Optional.of("alice-1"), b),
                    lane("bob", 2, Optional.of("bob-1"), a))),
            new StateUpdate.Permits(0, 0, 2, 0),
            new StateUpdate.Throughput(0, 0, 0),
            new StateUpdate.Latency(0, 0, 0, 0),
            new StateUpdate.Totals(7, 0, 0, 0, 0, 0, 0, 0),
            0,
            2,
            2,
            List.of(
                new StateUpdate.NodeFigures(a, true, 2, 1, 1),
                new StateUpdate.NodeFigures(b, false, 3, 1, 1)));
    String socket =
        """
        window.WebSocket = class {
          constructor(url) {
            setTimeout(() => {
              this.onopen && this.onopen();
              this.onmessage && this.onmessage({ data: %s });
            }, 0);
          }
          send() {}
          close() {}
        };
        """
            .formatted(jsString(StateUpdateJson.write(update)));
    ((ChromeDriver) driver)
        .executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", socket));

    driver.get(gw.base() + "/monitor");

    awaitText(By.cssSelector("#lanes tr[data-lane='alice'] td.node"), b);
    awaitText(By.cssSelector("#lanes tr[data-lane='bob'] td.node"), a);
    assertTrue(driver.findElement(By.id("nodes-card")).isDisplayed());
    assertEquals(
        List.of(List.of(a, "up", "2", "1", "1"), List.of(b, "not up", "3", "1", "1")),
        driver.findElements(By.cssSelector("#nodes tbody tr")).stream()
            .map(tr -> tr.findElements(By.tagName("td")).stream().map(WebElement::getText).toList())
            .toList());
    awaitText(By.id("queue-length"), "5");
  }

  /** {@code text} as a JavaScript string literal (a JSON string is one). */
  private static String jsString(String text) {
    try {
      return new ObjectMapper().writeValueAsString(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static LaneReport lane(String key, int depth, Optional<String> running, String node) {
    return new LaneReport(key, depth, WorkerHealth.BUSY, running, 0, 0, 0, Double.NaN, node);
  }

  private WebDriver startChromium(Path profile) {
    Chromium.Install chromium = Chromium.find();
    System.setProperty(
        ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, chromium.driver().toString());
    System.setProperty("SE_OFFLINE", "true"); // passed on to Selenium Manager, were it ever run
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.browser().toFile());
    options.setExperimentalOption(
        "prefs",
        Map.of(
            "download.default_directory",
            downloads.toAbsolutePath().toString(),
            "download.prompt_for_download",
            false));
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

  /** Clicks the lane's row and waits until its queue panel shows it. */
  private void openLane(String lane) {
    awaitText(By.id("connection"), "connected");
    waiting("lane " + lane + " should be listed").until(d -> row(lane).isDisplayed());
    row(lane).findElement(By.cssSelector("td.lane")).click();
    awaitText(By.id("lane-name"), lane);
  }

  private WebElement card(String id) {
    return driver.findElement(By.cssSelector("#lane-cards li[data-id='" + id + "']"));
  }

  /** Waits until the lane panel shows exactly these cards, in this order (running one first). */
  private void awaitCards(String... ids) {
    List<String> expected = List.of(ids);
    waiting("the lane's cards should be " + expected)
        .until(
            d ->
                expected.equals(
                    d.findElements(By.cssSelector("#lane-cards li")).stream()
                        .map(li -> li.getDomAttribute("data-id"))
                        .toList()));
  }

  /** Waits until the REST lane view lists exactly these pending events, in this order. */
  private void awaitRestOrder(String lane, String... ids) {
    List<String> expected = List.of(ids);
    waiting("GET /v1/spaces/" + lane + " should list " + expected + " pending")
        .until(
            d -> {
              List<String> pending = new java.util.ArrayList<>();
              gw.get("/v1/spaces/" + lane)
                  .assertJson(200)
                  .path("pending")
                  .forEach(view -> pending.add(view.path("id").asText()));
              return expected.equals(pending);
            });
  }

  /**
   * The priority of the pending event {@code id} as the REST lane view reports it ("" if absent).
   */
  private String restPriority(String lane, String id) {
    for (JsonNode view : gw.get("/v1/spaces/" + lane).assertJson(200).path("pending")) {
      if (id.equals(view.path("id").asText())) {
        return view.path("priority").asText();
      }
    }
    return "";
  }

  /** Waits until the button {@code shown} is displayed and the button {@code hidden} is not. */
  private void awaitOnlyShown(String shown, String hidden) {
    waiting("#" + shown + " should be shown and #" + hidden + " hidden")
        .until(
            d ->
                d.findElement(By.id(shown)).isDisplayed()
                    && !d.findElement(By.id(hidden)).isDisplayed());
  }

  private void awaitDialog(boolean open) {
    waiting("the confirmation dialog should be " + (open ? "open" : "closed"))
        .until(
            d -> open == (d.findElement(By.id("confirm-dialog")).getDomAttribute("open") != null));
  }

  /**
   * Reads updates from the monitor's WebSocket until {@code seen} have arrived, then connects again
   * and returns the history that the new connection's first message carries.
   */
  private JsonNode historyAfter(int seen) throws Exception {
    try (MonitorSocket first = MonitorSocket.open(gw)) {
      for (int i = 0; i < seen; i++) {
        first.next();
      }
    }
    try (MonitorSocket second = MonitorSocket.open(gw)) {
      JsonNode history = second.next().path("history");
      assertTrue(history.path("points").size() >= 2, history::toString);
      return history;
    }
  }

  /** Each chart's time axis as drawn, {@code [min, max]} in epoch ms. */
  private List<long[]> timeAxes() {
    List<WebElement> charts = driver.findElements(By.cssSelector(".chart"));
    assertEquals(3, charts.size(), "three charts");
    return charts.stream()
        .map(
            chart -> {
              String range = chart.getDomAttribute("data-x-range");
              String[] ends = String.valueOf(range).split("\\.\\.");
              assertEquals(2, ends.length, () -> "data-x-range " + range);
              return new long[] {Long.parseLong(ends[0]), Long.parseLong(ends[1])};
            })
        .toList();
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
