package org.smmuref.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.smmuref.server.api.ApiBed.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.smmuref.client.SmmurefClient;
import org.smmuref.iommufd.platform.ModelPlatform;
import org.smmuref.iommufd.uapi.IommufdCommand;
import org.smmuref.launcher.Platform;
import org.smmuref.server.ServerOptions;
import org.smmuref.server.SmmurefServer;

/**
 * The inspector page in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium): a served model runs a nested flow and a stage-2-only device that faults twice, and the test reads what
 * the page shows (the decoded STE against its own decoding of the raw dwords, the registers, TLB counts, the host
 * events in order and the StreamID filter). Skipped, with a message saying so, where the browser is not installed.
 * Each view's screenshot goes to {@code target/inspector-screenshots/} (the copies in docs/images come from there).
 */
class InspectorBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String TOKEN = "inspector-test-token";
    static final int SID_NESTED = 0x8;
    static final int SID_S2 = 0x9;
    static final long UNMAPPED_IOVA = 0x4000_0000_0000L;

    static com.google.inject.Injector injector;
    static SmmurefServer server;
    static ChromeDriver browser;
    static Path userData;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
            "SKIPPED: the inspector browser tests need Debian's chromium and chromium-driver "
                + "(/usr/bin/chromium, /usr/bin/chromedriver); install them with apt-get (.ci/run does)");
        injector = Platform.injector(ServerOptions.ephemeral().withToken(TOKEN));
        server = injector.getInstance(SmmurefServer.class);
        server.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        userData = Files.createTempDirectory("smmuref-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString()).addArguments("--headless",
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--user-data-dir=" + userData, "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1400, 1000));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (userData != null) {
            try (var files = Files.walk(userData)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.httpPort() + path;
    }

    @Test
    void the_page_shows_the_nested_ste_the_registers_the_tlb_and_the_host_events_in_order() throws Exception {
        SmmurefClient c = SmmurefClient.create(server.vertx().eventBus(), "local");
        NestedFlowTest.Nested n = NestedFlowTest.setUp(c, SID_NESTED, 8);
        assertThat(await(c.dmaWrite(n.ctx(), n.dev(), NestedFlowTest.DMA_VA, new byte[] {1, 2, 3}))
            .getString("outcome")).isEqualTo("completed");
        // A second VMM with a stage-2-only device whose two DMAs to an unmapped IOVA the host driver keeps.
        String ctx2 = await(c.open());
        int ioas = NestedFlowTest.json(c, ctx2, IommufdCommand.IOAS_ALLOC, new JsonObject()).getInteger("out_ioas_id");
        int dev2 = await(c.bind(ctx2, 0, SID_S2));
        await(c.attach(ctx2, dev2, ioas));

        browser.get(url("/inspector/?token=" + TOKEN));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        try {
            wait.until(d -> !d.findElements(By.cssSelector("table.streams tr")).isEmpty());
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the stream table never rendered; the page:\n" + browser.getPageSource()
                + "\nbrowser log: " + browser.manage().logs().get("browser").getAll(), e);
        }
        assertThat(browser.findElement(By.id("status")).getText()).isEqualTo("live");

        // Platform: the register view of SMMU 0 shows it enabled with its queues.
        String registers = browser.findElement(By.cssSelector("table.registers")).getText();
        assertThat(registers).contains("\"SMMUEN\":1").contains("\"CMDQEN\":1").contains("\"EVENTQEN\":1");
        assertThat(browser.findElement(By.cssSelector("table.queues")).getText()).contains("CMDQ").contains("EVENTQ");
        assertThat(browser.findElement(By.cssSelector("table.features")).getText()).contains("vmid_bits");

        // Stream table: the nested STE, checked against this test's own decoding of the raw dwords read from PA.
        WebElement row = streamRow(SID_NESTED);
        List<WebElement> cells = row.findElements(By.tagName("td"));
        long stePa = Long.decode(cells.get(1).getText());
        long[] ste = readDwords(injector.getInstance(ModelPlatform.class), stePa, 8);
        String decoded = cells.get(2).getText();
        assertThat(ste[0] & 1).as("STE.V").isEqualTo(1);
        assertThat((ste[0] >>> 1) & 7).as("STE.Config: S1 and S2 translate").isEqualTo(7);
        assertThat(decoded).contains("V=1").contains("Config=7")
            .contains("S2VMID=" + fmt(ste[2] & 0xFFFF))
            .contains("S1ContextPtr=0x" + Long.toHexString(ste[0] & 0x00FF_FFFF_FFFF_FFC0L));
        assertThat(((ste[2] & 0xFFFF))).as("a VMID other than 0 is assigned").isNotZero();

        // VMIDs: each STE's S2VMID with the StreamIDs carrying it; two VMMs, two VMIDs.
        long vmid8 = ste[2] & 0xFFFF;
        long vmid9 = readDwords(injector.getInstance(ModelPlatform.class), Long.decode(
            streamRow(SID_S2).findElements(By.tagName("td")).get(1).getText()), 8)[2] & 0xFFFF;
        assertThat(vmid9).as("distinct VMMs get distinct VMIDs").isNotEqualTo(vmid8);
        String vmids = browser.findElement(By.cssSelector("table.vmids")).getText();
        assertThat(vmids).contains("0 " + vmid8 + " 0x" + Long.toHexString(vmid8) + " " + SID_NESTED)
            .contains("0 " + vmid9 + " 0x" + Long.toHexString(vmid9) + " " + SID_S2);

        // TLB: the nested DMA looked the TLB up at least once.
        WebElement tlb = browser.findElement(By.cssSelector("table.tlb"));
        List<WebElement> tlbCells = tlb.findElements(By.cssSelector("tr:nth-child(2) td"));
        long lookups = Long.parseLong(tlbCells.get(1).getText()) + Long.parseLong(tlbCells.get(2).getText());
        assertThat(lookups).isPositive();

        // Events, pushed while the page is open, arrive in order.
        for (int i = 0; i < 2; i++) {
            assertThat(await(c.dmaRead(ctx2, dev2, UNMAPPED_IOVA + 0x1000L * i, 4)).getString("outcome"))
                .isEqualTo("aborted");
        }
        int expected = injector.getInstance(ModelPlatform.class).hostEventCount(0);
        wait.until(d -> d.findElements(By.cssSelector("#events-table tr.event")).size() == expected);
        List<WebElement> events = browser.findElements(By.cssSelector("#events-table tr.event"));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).findElements(By.tagName("td")).get(2).getText()).as("index of row " + i)
                .isEqualTo(String.valueOf(i));
        }
        WebElement last = events.get(events.size() - 1);
        assertThat(last.findElements(By.tagName("td")).get(4).getText()).isEqualTo(String.valueOf(SID_S2));
        assertThat(last.findElements(By.tagName("td")).get(3).getText()).as("F_TRANSLATION").isEqualTo("0x10");

        // The StreamID filter.
        WebElement filter = browser.findElement(By.id("filter-sid"));
        filter.sendKeys(String.valueOf(SID_NESTED));
        assertThat(browser.findElements(By.cssSelector("#events-table tr.event"))).isEmpty();
        filter.clear();
        filter.sendKeys(String.valueOf(SID_S2));
        assertThat(browser.findElements(By.cssSelector("#events-table tr.event"))).hasSizeGreaterThanOrEqualTo(2);

        for (String view : List.of("platform", "streams", "vmids", "tlb", "events")) {
            screenshot(view);
        }
    }

    @Test
    void the_page_and_its_stream_need_the_token_and_nothing_but_get_is_answered() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        assertThat(status(http, HttpRequest.newBuilder(URI.create(url("/inspector/"))).GET())).isEqualTo(401);
        assertThat(status(http, HttpRequest.newBuilder(URI.create(url("/inspector/api/state?token=wrong"))).GET()))
            .isEqualTo(401);
        assertThat(status(http, HttpRequest.newBuilder(URI.create(url("/inspector/api/state?token=" + TOKEN))).GET()))
            .isEqualTo(200);
        assertThat(status(http, HttpRequest.newBuilder(URI.create(url("/inspector/api/state?token=" + TOKEN)))
            .POST(HttpRequest.BodyPublishers.ofString("{}")))).isEqualTo(405);
        // The token query parameter is the inspector's only: the rest of the HTTP side wants the header.
        assertThat(status(http, HttpRequest.newBuilder(URI.create(url("/health?token=" + TOKEN))).GET()))
            .isEqualTo(401);
        // A browser without the token (and without the cookie a tokened visit leaves) sees no model.
        browser.get(url("/inspector/api/state"));
        browser.manage().deleteAllCookies();
        browser.get(url("/inspector/api/state"));
        assertThat(browser.getPageSource()).contains("EACCES").doesNotContain("smmus");
    }

    private static int status(HttpClient http, HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode();
    }

    private WebElement streamRow(int sid) {
        for (WebElement r : browser.findElements(By.cssSelector("table.streams tr"))) {
            List<WebElement> td = r.findElements(By.tagName("td"));
            if (!td.isEmpty() && td.get(0).getText().equals(String.valueOf(sid))) {
                return r;
            }
        }
        throw new AssertionError("no stream-table row for StreamID " + sid);
    }

    /** How the page prints a field value: decimal up to 9, else hex (InspectorState.fields). */
    private static String fmt(long v) {
        return v > 9 ? "0x" + Long.toHexString(v) : String.valueOf(v);
    }

    private static long[] readDwords(ModelPlatform p, long pa, int n) {
        ByteBuffer b = ByteBuffer.wrap(p.readPhysical(pa, 8 * n)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getLong();
        }
        return out;
    }

    private void screenshot(String view) throws Exception {
        WebElement section = browser.findElement(By.id(view));
        browser.executeScript("arguments[0].scrollIntoView()", section);
        Path dir = Path.of("target", "inspector-screenshots");
        Files.createDirectories(dir);
        Path png = section.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, dir.resolve("inspector-" + view + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
