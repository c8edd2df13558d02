import { test, expect } from "./fixtures";
import { LoginPage, PASSWORD, waitForHydration } from "./pages/auth";
import { onboardedMother, shot } from "./pages/mum";

test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
// A wrong PIN is a 400 and a locked screen a 403, and offline requests fail: Chromium logs them all.
test.use({ allowedConsoleErrors: /the server responded with a status of (400|403)|ERR_INTERNET_DISCONNECTED/ });

test("baby moving less than usual shows the urgent screen", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-moves", 210);
  await page.goto("/mum/log");
  await waitForHydration(page);
  await page.getByLabel("Moving as usual").check();
  await page.getByLabel("Movements you counted (optional)").fill("10");
  await page.getByRole("button", { name: "Save movements" }).click();
  await expect(page.locator(".log-entry").filter({ hasText: "10 movements counted" })).toContainText("Moving as usual");
  await shot(page, testInfo, "movements");

  await page.getByLabel("Moving less than usual").first().check();
  await page.getByRole("button", { name: "Save movements" }).click();
  await expect(page).toHaveURL(/\/mum\/danger\/now\?sign=reduced_fetal_movement/);
  await expect(page.getByRole("heading", { name: "Go to a health facility now" })).toBeVisible();
  await expect(page.getByText("Baby moving less than usual").first()).toBeVisible();
});

test("edit a logged weight", async ({ page, request }) => {
  await onboardedMother(page, request, "mum-edit", 120);
  await page.goto("/mum/log");
  await waitForHydration(page);
  await page.getByLabel("Weight in kg").first().fill("63");
  await page.getByRole("button", { name: "Save weight" }).click();
  const entry = page.locator(".log-entry").filter({ hasText: "63.0 kg" });
  await entry.getByText("Edit").click();
  await entry.getByLabel("Weight in kg").fill("63.4");
  await entry.getByRole("button", { name: "Save changes" }).click();
  await expect(page.locator(".log-entry").filter({ hasText: "63.4 kg" })).toBeVisible();
  await expect(page.locator(".log-entry").filter({ hasText: "63.0 kg" })).toHaveCount(0);
});

test("time contractions", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-labour", 275);
  await page.goto("/mum");
  await page.getByRole("link", { name: "Contraction timer" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Start: a contraction began" }).click();
  await expect(page.getByRole("timer")).toContainText("Contraction running");
  await page.waitForTimeout(1500);
  await page.getByRole("button", { name: "Stop: the contraction ended" }).click();
  await expect(page.locator("table.contractions tbody tr")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Start: a contraction began" })).toBeVisible();
  await shot(page, testInfo, "contractions");
});

test("a PIN locks her screens on a shared phone, but not the danger signs", async ({ page, request }, testInfo) => {
  const email = await onboardedMother(page, request, "mum-pin", 90);
  await page.goto("/mum/pin");
  await waitForHydration(page);
  await page.getByLabel("New PIN (4 to 6 digits)").fill("2580");
  await page.getByRole("button", { name: "Save PIN" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.getByRole("button", { name: "Lock now" }).click();

  await expect(page.getByRole("heading", { name: "Enter your PIN" })).toBeVisible();
  await expect(page.getByText(/^Week \d+/)).toHaveCount(0);
  await shot(page, testInfo, "locked");
  await page.getByRole("link", { name: "I have a danger sign" }).click();
  await expect(page.getByRole("heading", { name: "Do you have any of these?" })).toBeVisible();

  await page.goto("/mum");
  await waitForHydration(page);
  await page.getByLabel("PIN", { exact: true }).fill("9999");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByText("that PIN is not right")).toBeVisible();
  await page.getByLabel("PIN", { exact: true }).fill("2580");
  await page.getByRole("button", { name: "Unlock" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^Week 12/);

  // Signing in again on this phone starts locked.
  await page.context().clearCookies();
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page.getByRole("heading", { name: "Enter your PIN" })).toBeVisible();
});

test("the log, visits and account pages in Kiswahili", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-log-sw", 120, "sw");
  await page.goto("/mum/log");
  await expect(page.getByRole("heading", { name: "Kumbukumbu zangu" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Unajisikiaje leo?" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Hifadhi uzito" })).toBeVisible();
  await page.goto("/mum/visits");
  await expect(page.getByRole("heading", { name: "Ziara za kliniki" })).toBeVisible();
  await shot(page, testInfo, "log-sw");
  // The platform's own pages follow her language too.
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Akaunti yako" })).toBeVisible();
  await expect(page.locator("footer")).toContainText("Masharti");
  await expect(page.locator("header")).toContainText("Toka");
  await page.goto("/account/support");
  await expect(page.getByRole("heading", { name: "Wasiliana nasi" })).toBeVisible();
});

test("offline, the today view and visits show as saved data, and a new visit is refused in words", async ({ page, request, context }, testInfo) => {
  await onboardedMother(page, request, "mum-offline", 100);
  await page.goto("/mum");
  await waitForHydration(page);
  // The service worker controls the page once it has claimed it; then it saves what it serves.
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 14, day 2");
  await page.goto("/mum/visits");
  await expect(page.getByRole("heading", { name: "Clinic visits" })).toBeVisible();

  await context.setOffline(true);
  await page.goto("/mum");
  await expect(page.locator("html[data-offline=true]")).toHaveCount(1);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 14, day 2");
  await shot(page, testInfo, "offline");
  await page.goto("/mum/visits");
  await expect(page.locator("html[data-offline=true]")).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Clinic visits" })).toBeVisible();

  // A visit added while offline is refused in words, and what she typed stays in the form.
  await waitForHydration(page);
  await page.getByLabel("What is it?").fill("Blood test");
  await page.getByLabel("Date", { exact: true }).last().fill("2099-01-01");
  await page.getByLabel("Time", { exact: true }).last().fill("09:00");
  await page.getByRole("button", { name: "Add appointment" }).click();
  await expect(page.getByText("We couldn't reach the server. Check your connection and try again.")).toBeVisible();
  await expect(page.getByLabel("What is it?")).toHaveValue("Blood test");
  await context.setOffline(false);
});

test("offline, a locked phone shows nothing of hers", async ({ page, request, context }, testInfo) => {
  await onboardedMother(page, request, "mum-offline-pin", 100);
  await page.goto("/mum/pin");
  await waitForHydration(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
  await page.getByLabel("New PIN (4 to 6 digits)").fill("2580");
  await page.getByRole("button", { name: "Save PIN" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  // Unlocked: her today view is saved for offline use.
  await page.goto("/mum");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 14, day 2");
  await page.goto("/mum/pin");
  await waitForHydration(page);
  await page.getByRole("button", { name: "Lock now" }).click();
  await expect(page.getByRole("heading", { name: "Enter your PIN" })).toBeVisible();

  await context.setOffline(true);
  await page.goto("/mum");
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await expect(page.getByText(/Week \d+/)).toHaveCount(0);
  await shot(page, testInfo, "offline-locked");
  await context.setOffline(false);
});

test("offline, a copy saved before she set a PIN is gone once she sets one", async ({ page, request, context }) => {
  await onboardedMother(page, request, "mum-offline-late-pin", 100);
  await page.goto("/mum");
  await waitForHydration(page);
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
  // Saved without a PIN: no x-saved-until, no end.
  await page.goto("/mum");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 14, day 2");
  await page.goto("/mum/pin");
  await waitForHydration(page);
  await page.getByLabel("New PIN (4 to 6 digits)").fill("2580");
  await page.getByRole("button", { name: "Save PIN" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();

  await context.setOffline(true);
  await page.goto("/mum");
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await expect(page.getByText(/Week \d+/)).toHaveCount(0);
  await context.setOffline(false);
});
