// Opens Swagger UI (/docs) and ReDoc (/redoc) of a running oms in headless
// Chromium and checks that every operation is shown, that "Try it out" →
// "Execute" on GET {prefix}/products answers 401 until "Authorize" is given the
// API key in OMS_API_KEY and 200 after, and that no request leaves the machine.
// Screenshots go to the artifacts folder.
//
//   OMS_API_KEY=oms_… node docs.mjs http://127.0.0.1:8000 ../../../../target/browser-artifacts
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, artifacts = "browser-artifacts"] = process.argv.slice(2);
const apiKey = process.env.OMS_API_KEY;
if (!base || !apiKey) {
  console.error("usage: OMS_API_KEY=oms_… node docs.mjs BASE_URL [ARTIFACTS_DIR]");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const spec = await (await fetch(`${base}/openapi.json`)).json();
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, id: op.operationId, tag: op.tags[0] })),
);
const listProducts = operations.find((op) => op.id === "listProducts");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
const outside = [];
const local = new URL(base).host;
await context.route("**/*", (route) => {
  const url = new URL(route.request().url());
  if (url.host === local || url.protocol === "data:" || url.protocol === "blob:") {
    return route.continue();
  }
  outside.push(url.href);
  return route.abort();
});
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (error) => pageErrors.push(String(error)));

// Swagger UI
await page.goto(`${base}/docs`);
await page.waitForSelector(".opblock", { timeout: 30000 });
for (const op of operations) {
  const shown = await page.locator(`#operations-${op.tag}-${op.id}`).count();
  check(shown === 1, `Swagger UI lists ${op.method.toUpperCase()} ${op.path}`);
}
const block = page.locator(`#operations-products-listProducts`);
await block.locator(".opblock-summary").click();
await block.locator("button.try-out__btn").click();
const execute = async () => {
  await block.locator("button.execute").click();
  const status = block.locator(".live-responses-table .response .response-col_status").first();
  await status.waitFor({ timeout: 30000 });
  const shown = (await status.innerText()).trim();
  const body = await block.locator(".live-responses-table .response-col_description pre").first().innerText();
  await block.locator("button.btn-clear").click();
  return { shown, body };
};
const anonymous = await execute();
check(anonymous.shown === "401", `without a key, Execute on GET ${listProducts.path} shows 401 (got ${anonymous.shown})`);

await page.locator(".auth-wrapper button.authorize").click();
const dialog = page.locator(".modal-ux");
await dialog.locator("input").first().fill(apiKey);
await dialog.locator(".auth-btn-wrapper button.authorize").click();
await dialog.locator("button.btn-done").click();
const authorized = await execute();
check(authorized.shown === "200", `after Authorize, Execute on GET ${listProducts.path} shows 200 (got ${authorized.shown})`);
check(authorized.body.includes('"products"'), "the response body is shown in the page");
await page.screenshot({ path: `${artifacts}/swagger-ui.png`, fullPage: false });

// ReDoc
await page.goto(`${base}/redoc`);
await page.waitForSelector('[data-section-id^="operation/"]', { timeout: 30000 });
for (const op of operations) {
  const shown = await page.locator(`[data-section-id="operation/${op.id}"]`).count();
  check(shown >= 1, `ReDoc renders ${op.method.toUpperCase()} ${op.path}`);
}
await page.screenshot({ path: `${artifacts}/redoc.png`, fullPage: false });

check(outside.length === 0, `no request leaves the machine${outside.length ? `: ${outside.join(", ")}` : ""}`);
check(pageErrors.length === 0, `no script errors${pageErrors.length ? `: ${pageErrors.join("; ")}` : ""}`);
await browser.close();

console.log(`${failures.length ? "FAILED" : "passed"}: ${operations.length} operations, screenshots in ${artifacts}`);
process.exit(failures.length ? 1 : 0);
