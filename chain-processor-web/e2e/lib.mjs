// Shared helpers of the end-to-end journeys: Debian's Chromium through playwright-core
// (never a downloaded browser), sign-in, axe-core scans and screenshots.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium } from "playwright-core";

export const BASE_URL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:8765";
export const ADMIN = { email: process.env.ADMIN_EMAIL ?? "admin@example.com", password: process.env.ADMIN_PASSWORD ?? "" };
export const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
export const HAS_EXECUTOR = process.env.E2E_EXECUTOR === "1";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A fresh browser with its own profile directory; `close()` removes both. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), "cp-e2e-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: FLAGS,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    baseURL: BASE_URL,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return {
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signIn(page, { email, password }) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: false }).first().fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main navigation" }).waitFor();
}

export async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

/**
 * Violations of serious or critical impact on the page once its transitions have ended (a
 * fading menu or a ripple half-way through measures as low contrast). Endless animations, a
 * spinner's, are not waited for.
 */
export async function seriousViolations(page) {
  await page
    .waitForFunction(
      () => document.getAnimations().every((animation) => animation.playState !== "running" || animation.effect?.getTiming().iterations === Infinity),
      null,
      { timeout: 5_000 },
    )
    .catch(() => undefined);
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).slice(0, 5).join(", ")}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * What the page showed when a step failed: its address, every alert or status message and the
 * start of its main text, on one line (JUnit reports keep the message on one line). Added to
 * the failure's message, so that a CI log (which keeps the message, not the screenshot) says
 * where the journey stood.
 */
export async function describePage(page) {
  const texts = async (selector) =>
    (await page.locator(selector).allInnerTexts()).map((text) => text.replace(/\s+/g, " ").trim()).filter(Boolean);
  const alerts = await texts("[role=alert], [role=status]");
  const [main = ""] = await texts("main");
  return [`page: ${page.url()}`, ...alerts.map((text) => `message: ${text}`), `main: ${main.slice(0, 400)}`].join(" | ");
}
