import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { LoginPage, PASSWORD, verifiedAccount, waitForHydration } from "./auth";

/** A full-page screenshot at 360 px into end2end/artifacts/, checking nothing scrolls sideways. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  const dir = join(__dirname, "..", "..", "artifacts");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `mum-${name}-360.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
}

/** Signs in a new mother who has finished onboarding, her last period `lmpDaysAgo` days ago. */
export async function onboardedMother(page: Page, request: APIRequestContext, tag: string, lmpDaysAgo: number, language = "en") {
  const email = await verifiedAccount(request, tag);
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/mum$/);
  const steps: [string, Record<string, string>][] = [
    ["/api/mum/consent", { agree: "yes" }],
    ["/api/mum/dates", { method: "lmp", date: isoDaysAgo(lmpDaysAgo) }],
    ["/api/mum/reminders", { reminder_time: "08:00", emergency_phone: "" }],
    ["/api/account/profile", { display_name: "Amina", language, timezone: "Africa/Nairobi" }],
  ];
  for (const [path, form] of steps) {
    expect((await page.request.post(path, { form })).status()).toBe(200);
  }
  return email;
}

export function isoDaysAgo(days: number) {
  // Her time zone is Africa/Nairobi (UTC+3 all year).
  const nairobi = new Date(Date.now() + 3 * 3600_000 - days * 86_400_000);
  return nairobi.toISOString().slice(0, 10);
}

