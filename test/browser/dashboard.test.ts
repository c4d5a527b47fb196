import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { dashboardBuild, type DashboardBuild } from "./build-dashboard.js";
import { startPlatform, type Platform } from "./platform.js";

const CHROMIUM = process.env.TICKMESH_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = fileURLToPath(new URL("../../.cache/artifacts/screenshots/", import.meta.url));
// Readiness of the synthetic feed and the paper broker, not a timing goal.
const WAIT = { timeout: 20_000 };

const haveChromium = existsSync(CHROMIUM);
let dashboard: DashboardBuild | undefined;
let platform: Platform;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (!haveChromium) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  dashboard = await dashboardBuild();
  platform = await startPlatform(dashboard.dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.on("pageerror", (err) => pageErrors.push(err.message));
});

after(async () => {
  await browser?.close();
  await platform?.stop();
  dashboard?.dispose();
});

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });

test("signing in with the demo API key streams live ticks of the chosen symbol", async (t) => {
  if (!haveChromium) return t.skip(`${CHROMIUM} not installed (scripts/infra/chromium.sh)`);
  await page.goto(platform.url);
  await page.getByTestId("credential-input").fill("tmk_nosuchkey_0123456789abcdef");
  await page.getByTestId("connect-button").click();
  await page.locator('[data-testid="session-status"][data-kind="error"]').waitFor(WAIT);
  assert.match((await page.getByTestId("session-status").textContent()) ?? "", /^Unauthenticated: /);
  assert.equal(await page.getByTestId("ticks").count(), 0, "no panels before a credential works");
  await shot("signin-refused");

  await page.getByTestId("credential-input").fill(platform.apiKey);
  await page.getByTestId("connect-button").click();
  await page.getByTestId("session-status").filter({ hasText: "connected" }).waitFor(WAIT);

  await page.getByTestId("symbol-select").selectOption("AAPL");
  await page.waitForFunction('Number(document.querySelector(\'[data-testid="tick-count"]\')?.textContent) >= 3', undefined, WAIT);
  const rows = await page.getByTestId("ticks-table").locator("tbody tr").count();
  assert.ok(rows >= 3, `tick rows: ${rows}`);
  const price = Number(await page.getByTestId("last-price").textContent());
  assert.ok(price > 0, `last price ${price}`);
  assert.match((await page.getByTestId("bid-ask").textContent()) ?? "", /^bid \d+(\.\d+)? \/ ask \d+(\.\d+)?$/);
  await shot("ticks");

  // The key survives a reload: the page signs itself in from localStorage.
  await page.reload();
  await page.getByTestId("session-status").filter({ hasText: "connected" }).waitFor(WAIT);
  assert.equal(await page.getByTestId("symbol-select").inputValue(), "AAPL");
});

test("an order placed from the ticket fills in the orders panel and shows up as a position", async (t) => {
  if (!haveChromium) return t.skip(`${CHROMIUM} not installed (scripts/infra/chromium.sh)`);
  await page.getByTestId("create-account").click();
  await page.getByTestId("session-status").filter({ hasText: "created paper-" }).waitFor(WAIT);
  await page.getByTestId("trading-status").filter({ hasText: "live" }).waitFor(WAIT);

  await page.getByTestId("ticket-side").selectOption({ label: "Buy" });
  await page.getByTestId("ticket-type").selectOption({ label: "Market" });
  await page.getByTestId("ticket-quantity").fill("7");
  await page.getByTestId("place-order").click();

  const order = page.getByTestId("orders-table").locator("tbody tr").filter({ hasText: "AAPL" });
  await order.getByTestId("order-status").filter({ hasText: "FILLED" }).waitFor(WAIT);
  assert.equal(await order.count(), 1);
  assert.match((await order.textContent()) ?? "", /BUY.*MARKET.*7.*7/);

  const position = page.getByTestId("positions-table").locator('tbody tr[data-key="AAPL"]');
  await position.waitFor(WAIT);
  assert.equal((await position.locator("td").nth(1).textContent())?.trim(), "7");

  // A second fill through the same stream moves the position.
  await page.getByTestId("ticket-quantity").fill("3");
  await page.getByTestId("place-order").click();
  await position.locator("td").nth(1).filter({ hasText: /^10$/ }).waitFor(WAIT);

  // A limit order far below the market rests; its Cancel button cancels it.
  await page.getByTestId("ticket-type").selectOption({ label: "Limit" });
  await page.getByTestId("ticket-limit").fill("150");
  await page.getByTestId("ticket-quantity").fill("1");
  await page.getByTestId("place-order").click();
  const resting = page.getByTestId("orders-table").locator("tbody tr").filter({ hasText: "LIMIT" });
  await resting.getByTestId("order-status").filter({ hasText: "ACCEPTED" }).waitFor(WAIT);
  await shot("orders");
  await resting.getByRole("button", { name: "Cancel" }).click();
  await resting.getByTestId("order-status").filter({ hasText: "CANCELED" }).waitFor(WAIT);
  assert.equal(await resting.getByRole("button", { name: "Cancel" }).count(), 0);
  assert.equal((await position.locator("td").nth(1).textContent())?.trim(), "10");
});

test("every panel renders, services not running here say so, and the page throws nothing", async (t) => {
  if (!haveChromium) return t.skip(`${CHROMIUM} not installed (scripts/infra/chromium.sh)`);
  for (const id of ["ticks", "bars", "trading", "equity", "decisions", "strategies", "backtest"]) {
    const status = page.getByTestId(`${id}-status`);
    await status.filter({ hasText: /\S/ }).waitFor(WAIT);
    const text = (await status.textContent()) ?? "";
    // A service this build does not run greys its panel out ("service unavailable"); nothing else may fail.
    assert.notEqual(await status.getAttribute("data-kind"), "error", `${id}: ${text}`);
    assert.equal(await page.getByTestId(id).evaluate((el) => el.classList.contains("unavailable")), text.startsWith("service unavailable"), id);
  }
  await page.getByTestId("bars-chart").and(page.locator("[data-points]:not([data-points='0'])")).waitFor(WAIT);
  await shot("overview");
  assert.deepEqual(pageErrors, []);
});
