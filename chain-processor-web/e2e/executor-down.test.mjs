// Issue 8, "executor stopped entirely", in the browser: with no executor the UI keeps working,
// a run waits as pending, /health/detailed says "degraded" and a banner says why runs wait;
// once the executor is started again the same run completes, in the designer and in the
// monitor, and the banner is gone.
// run.sh stops its own executor before this file; the journey starts one itself (E2E_EXECUTOR_BIN,
// with run.sh's environment) and stops it, by its process group, when it ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ADMIN, BASE_URL, launch, screenshot, signIn } from "./lib.mjs";

const EXECUTOR_BIN = process.env.E2E_EXECUTOR_BIN ?? "";
const EXECUTOR_LOG = process.env.E2E_EXECUTOR_LOG ?? "/dev/null";
const STALE_AFTER_S = Number(process.env.EXECUTOR_STALE_AFTER_SECONDS ?? "60");
const INPUT = "queued while the executor is away";

let browser;
let designer;
let monitor;
let executor;

/** The executor supervisor, in a process group of its own so that its workers stop with it. */
function startExecutor() {
  const log = openSync(EXECUTOR_LOG, "a");
  executor = spawn(EXECUTOR_BIN, [], { env: process.env, stdio: ["ignore", log, log], detached: true });
}

async function stopExecutor() {
  if (!executor || executor.exitCode !== null || executor.signalCode !== null) return;
  const exited = new Promise((resolve) => executor.once("exit", resolve));
  process.kill(-executor.pid, "SIGTERM");
  const timer = setTimeout(() => process.kill(-executor.pid, "SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** What /health/detailed answers, fetched by the signed-in browser. */
async function detailedHealth() {
  const response = await designer.request.get(`${BASE_URL}/health/detailed`);
  assert.equal(response.status(), 200);
  return response.json();
}

describe("executor stopped entirely", { skip: !EXECUTOR_BIN && "no executor in this build" }, () => {
  before(async () => {
    browser = await launch();
    designer = browser.page;
  });
  after(async () => {
    await stopExecutor();
    await browser?.close();
  });

  it("keeps the UI working and queues a run as pending; health says degraded", async () => {
    try {
      await signIn(designer, ADMIN);
      await designer.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Chains", exact: true }).click();
      await designer.getByRole("link", { name: "New chain" }).click();
      await designer.getByRole("heading", { name: "New chain" }).waitFor();
      await designer.getByLabel("Search nodes").fill("upper");
      await designer.getByRole("button", { name: /^Add .* to the end of the chain$/ }).first().click();
      await designer.getByText("The chain is valid.").waitFor();
      await designer.getByRole("toolbar", { name: "Designer tools" }).getByRole("button", { name: "Save version" }).click();
      const dialog = designer.getByRole("dialog", { name: "Save a new version" });
      await dialog.getByLabel("Chain name").fill("Queued while away");
      await dialog.getByLabel("Change note").fill("One step");
      await dialog.getByRole("button", { name: "Save version" }).click();
      await designer.getByRole("heading", { name: "Designer: Queued while away" }).waitFor();

      await designer.getByLabel("Input text").fill(INPUT);
      await designer.getByRole("button", { name: "Run", exact: true }).click();
      await designer.locator("[data-testid=run-status][data-status=pending]").waitFor();

      // The monitor, in a second tab of the same session: the run is listed as pending.
      monitor = await designer.context().newPage();
      await monitor.goto("/executions");
      await monitor.getByRole("heading", { name: "Executions" }).waitFor();
      const row = monitor.getByTestId("execution-row").filter({ hasText: "Queued while away" }).first();
      await row.getByText("Pending").waitFor();
      await row.getByRole("link").click();
      await monitor.locator("[data-testid=execution-status][data-status=pending]").waitFor();

      // Health turns "degraded" once a run has waited longer than the stale threshold.
      let health = await detailedHealth();
      const deadline = Date.now() + (STALE_AFTER_S + 15) * 1000;
      while (health.status !== "degraded" && Date.now() < deadline) {
        await designer.waitForTimeout(500);
        health = await detailedHealth();
      }
      assert.equal(health.status, "degraded", JSON.stringify(health));
      assert.equal(health.executor.status, "away");
      assert.equal(health.database.status, "ok");
      assert.ok(health.queue.pending >= 1, JSON.stringify(health.queue));
      // Still pending: nothing ran it meanwhile.
      await designer.locator("[data-testid=run-status][data-status=pending]").waitFor();
      // The UI says why: a banner on every page (checked on load, then every 30 s; every 5 s while something is wrong).
      await monitor.reload();
      const banner = monitor.getByRole("status").filter({ hasText: "No executor is running" });
      await banner.waitFor();
      assert.equal(await banner.getAttribute("data-health"), "executor-away");
      await screenshot(monitor, "20-executor-down-pending");
    } catch (error) {
      await screenshot(designer, "failed-executor-down-pending").catch(() => undefined);
      throw error;
    }
  });

  it("completes the queued run once the executor is back", async () => {
    try {
      startExecutor();
      await designer.locator("[data-testid=run-status][data-status=succeeded]").waitFor({ timeout: 60_000 });
      assert.match(await designer.getByTestId("run-status").textContent(), new RegExp(INPUT.toUpperCase()));
      await monitor.locator("[data-testid=execution-status][data-status=succeeded]").waitFor({ timeout: 30_000 });
      assert.equal((await monitor.getByTestId("execution-output").textContent()).trim(), INPUT.toUpperCase());
      const health = await detailedHealth();
      assert.notEqual(health.status, "degraded", JSON.stringify(health));
      assert.equal(health.queue.pending, 0);
      await monitor.reload();
      await monitor.locator("[data-testid=execution-status][data-status=succeeded]").waitFor();
      assert.equal(await monitor.getByTestId("health-banner").count(), 0);
      await screenshot(monitor, "21-executor-back-succeeded");
      assert.deepEqual(browser.errors, []);
    } catch (error) {
      await screenshot(designer, "failed-executor-back").catch(() => undefined);
      throw error;
    }
  });
});
