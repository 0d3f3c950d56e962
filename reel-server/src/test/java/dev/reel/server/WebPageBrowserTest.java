package dev.reel.server;

import dev.reel.pipeline.DemoConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.server.engine.PipelineModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium (Debian's {@code chromium} + {@code chromium-driver}, driven by Selenium):
 * fill the form, submit, watch the progress bar reach 100 %, get a playable video and a thumbnail in the
 * history. Saves {@code target/screenshots/web-page.png}. Skipped, with a message, where Chromium is not installed.
 */
class WebPageBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir Path dataDir;
    @TempDir Path profile;

    @Test void formSubmitProgressAndPlayableVideo() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: /usr/bin/chromium and /usr/bin/chromedriver are needed (apt-get install chromium chromium-driver)");
        try (TestServer s = TestServer.start(dataDir, c -> c)) {
            ChromeDriver driver = browser();
            try {
                driver.get(s.base + "/");
                WebDriverWait wait = new WebDriverWait(driver, TestServer.PATIENCE);
                wait.until(d -> d.findElement(By.id("model")).getText().equals(TestServer.MODEL));

                fill(driver, "prompt", "A red fox runs through a snowy forest at dawn.");
                fill(driver, "negative-prompt", "blurry");
                fill(driver, "width", "48");
                fill(driver, "height", "64");
                fill(driver, "frames", "9");
                fill(driver, "steps", "4");
                fill(driver, "guidance", "1");
                fill(driver, "seed", "11");
                driver.findElement(By.id("submit")).click();

                wait.until(d -> d.findElement(By.id("progress-text")).getText().equals("100%"));
                assertEquals("100", driver.findElement(By.id("progress")).getDomProperty("value"));
                JavascriptExecutor js = driver;
                // playable: the element decoded the MP4 (metadata and a frame), with no media error
                wait.until(d -> ((Number) js.executeScript("return document.getElementById('player').readyState")).intValue() >= 2);
                assertEquals(Boolean.TRUE, js.executeScript("return document.getElementById('player').error === null"));
                double duration = ((Number) js.executeScript("return document.getElementById('player').duration")).doubleValue();
                assertEquals(9 / 16.0, duration, 0.07, "video duration");
                assertEquals(48L, js.executeScript("return document.getElementById('player').videoWidth"));
                assertEquals(64L, js.executeScript("return document.getElementById('player').videoHeight"));
                js.executeScript("document.getElementById('player').play()");
                wait.until(d -> ((Number) js.executeScript("return document.getElementById('player').currentTime")).doubleValue() > 0);

                // the history lists the job with its thumbnail
                wait.until(d -> {
                    List<WebElement> imgs = d.findElements(By.cssSelector("#history li img"));
                    return !imgs.isEmpty() && ((Number) js.executeScript("return arguments[0].naturalWidth", imgs.getFirst())).intValue() == 48;
                });
                assertTrue(driver.findElement(By.id("status")).getText().startsWith("Done"), driver.findElement(By.id("status")).getText());

                // a download button for the shown video, and a delete button per history entry
                WebElement download = driver.findElement(By.id("download"));
                assertTrue(download.isDisplayed());
                assertTrue(download.getDomProperty("href").endsWith("/content"), download.getDomProperty("href"));
                assertEquals(1, driver.findElements(By.cssSelector("#history li")).size());

                File shot = driver.getScreenshotAs(OutputType.FILE);
                Path out = Path.of("target", "screenshots");
                Files.createDirectories(out);
                Files.copy(shot.toPath(), out.resolve("web-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

                driver.findElement(By.cssSelector("#history li .delete")).click();
                wait.until(d -> d.findElements(By.cssSelector("#history li")).isEmpty());
                assertEquals(0, TestServer.json(s.get("/v1/videos")).path("data").size(), "deleted on the server too");
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * With {@code --api-key} the page still loads, asks for the key on the first 401, keeps it in session storage
     * and sends it: a job runs with live progress (the event stream read through fetch) and its video plays.
     */
    @Test void theKeyedPageAsksForTheKeyAndUsesIt() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: /usr/bin/chromium and /usr/bin/chromedriver are needed (apt-get install chromium chromium-driver)");
        try (TestServer s = TestServer.start(dataDir, c -> c.withApiKey("s3cret"))) {
            ChromeDriver driver = browser();
            try {
                driver.get(s.base + "/");
                WebDriverWait wait = new WebDriverWait(driver, TestServer.PATIENCE);
                wait.until(d -> d.findElement(By.id("keybox")).isDisplayed());
                fill(driver, "apikey", "s3cret");
                driver.findElement(By.id("keysave")).click();
                wait.until(d -> d.findElement(By.id("model")).getText().equals(TestServer.MODEL));
                assertTrue(!driver.findElement(By.id("keybox")).isDisplayed());

                fill(driver, "prompt", "A red fox runs through a snowy forest at dawn.");
                fill(driver, "width", "48");
                fill(driver, "height", "64");
                fill(driver, "frames", "5");
                fill(driver, "steps", "3");
                fill(driver, "guidance", "1");
                driver.findElement(By.id("submit")).click();
                wait.until(d -> d.findElement(By.id("progress-text")).getText().equals("100%"));
                JavascriptExecutor js = driver;
                wait.until(d -> ((Number) js.executeScript("return document.getElementById('player').readyState")).intValue() >= 2);
                assertEquals(48L, js.executeScript("return document.getElementById('player').videoWidth"));
                assertEquals(1, TestServer.json(s.send(s.request("/v1/videos").header("Authorization", "Bearer s3cret").GET().build())).path("data").size());
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * The demo model: the form starts from its small defaults and says its videos are noise; examples fill the
     * prompt; a job waiting behind another shows its queue position, survives a page reload (the page reconnects)
     * and is cancelled with the Cancel button.
     */
    @Test void demoDefaultsNoiseNoteQueuePositionReconnectAndCancel() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "browser test skipped: no chromium");
        GeneratorOptions o = GeneratorOptions.defaults();
        ServerConfig config = ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5));
        ReelServer server = ReelServer.start(config, PipelineModel.demo(null, o.withLimits(o.limits().withMaxSteps(TestServer.MAX_STEPS))));
        try (TestServer s = TestServer.attach(server, dataDir)) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)), server.jobs().loadError());
            // a long job holds the only worker, so the page's job has to wait
            String blocker = TestServer.json(s.post("/v1/videos", "{\"prompt\": \"x\", \"size\": \"320x192\", \"nvext\": {\"num_inference_steps\": "
                    + TestServer.MAX_STEPS + ", \"seed\": 1}}")).path("id").asText();
            ChromeDriver driver = browser();
            try {
                driver.get(s.base + "/");
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
                wait.until(d -> d.findElement(By.id("model")).getText().equals(PipelineModel.DEMO_ID));
                assertEquals("320", value(driver, "width"));
                assertEquals("192", value(driver, "height"));
                assertEquals("17", value(driver, "frames"));
                assertEquals("10", value(driver, "steps"));
                assertEquals("16", value(driver, "fps"));
                assertEquals("1.06", value(driver, "duration"));
                assertTrue(driver.findElement(By.id("noise-note")).isDisplayed(), "the demo's videos are noise: the page says so");
                fill(driver, "duration", "2");
                driver.findElement(By.id("fps")).click(); // leave the field: frames follow the duration
                wait.until(d -> value(driver, "frames").equals("33"));

                assertEquals(dev.reel.pipeline.DemoConfigs.profile().examplePrompts(),
                        driver.findElements(By.cssSelector("#examples button")).stream().map(WebElement::getText).toList(), "the demo's own example prompts");
                WebElement example = driver.findElement(By.cssSelector("#examples button"));
                example.click();
                assertEquals(example.getText(), value(driver, "prompt"));
                driver.findElement(By.id("submit")).click();
                wait.until(d -> d.findElement(By.id("status")).getText().startsWith("Queued: next up"));

                driver.navigate().refresh();
                wait.until(d -> d.findElement(By.id("status")).getText().startsWith("Queued"));
                WebElement cancel = driver.findElement(By.id("cancel"));
                assertTrue(cancel.isDisplayed(), "reconnected to the waiting job");
                cancel.click();
                wait.until(d -> d.findElement(By.id("status")).getText().equals("Cancelled."));
                assertEquals(1, TestServer.json(s.get("/v1/videos")).path("data").size(), "only the blocker is left");
                s.delete("/v1/videos/" + blocker);
            } finally {
                driver.quit();
            }
        }
    }

    /**
     * A model's example prompts (its reel_defaults.json) are the page's chips, shown as text (markup in a prompt is
     * not parsed), and a click puts the prompt into the prompt box.
     */
    @Test void theModelsExamplePromptsAreChipsThatFillThePrompt() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "browser test skipped: no chromium");
        Path model = TestServer.fixtureWithDefaults(dataDir.resolve("model"), "{\"example_prompts\": "
                + TestServer.JSON.writeValueAsString(ExamplePromptsTest.EXAMPLES) + "}");
        ServerConfig config = ServerConfig.defaults(dataDir.resolve("data")).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5));
        try (TestServer s = TestServer.attach(ReelServer.start(config, PipelineModel.pretrained(model, null, GeneratorOptions.defaults())), dataDir)) {
            ChromeDriver driver = browser();
            try {
                driver.get(s.base + "/");
                WebDriverWait wait = new WebDriverWait(driver, TestServer.PATIENCE);
                wait.until(d -> d.findElement(By.id("model")).getText().equals(TestServer.MODEL));
                List<WebElement> chips = driver.findElements(By.cssSelector("#examples button"));
                assertEquals(ExamplePromptsTest.EXAMPLES, chips.stream().map(WebElement::getText).toList());
                assertTrue(driver.findElements(By.cssSelector("#examples b")).isEmpty(), "markup in a prompt stays text");
                assertEquals(ExamplePromptsTest.EXAMPLES.getFirst(), driver.findElement(By.id("prompt")).getDomProperty("placeholder"));
                chips.get(1).click();
                assertEquals(ExamplePromptsTest.EXAMPLES.get(1), value(driver, "prompt"));
            } finally {
                driver.quit();
            }
        }
    }

    private ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the closed network of CI: no background connections, no first-run work
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1200", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String value(ChromeDriver driver, String id) { return driver.findElement(By.id(id)).getDomProperty("value"); }

    private static void fill(ChromeDriver driver, String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }
}
