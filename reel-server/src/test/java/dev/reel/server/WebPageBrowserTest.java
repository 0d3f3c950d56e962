package dev.reel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            // the closed network of CI: no background connections, no first-run work
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1200", "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
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

                File shot = driver.getScreenshotAs(OutputType.FILE);
                Path out = Path.of("target", "screenshots");
                Files.createDirectories(out);
                Files.copy(shot.toPath(), out.resolve("web-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } finally {
                driver.quit();
            }
        }
    }

    private static void fill(ChromeDriver driver, String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }
}
