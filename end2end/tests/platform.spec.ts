import { test, expect } from "./fixtures";
import { accessible } from "./pages/a11y";
import { LoginPage, PASSWORD, verifiedAccount, waitForHydration } from "./pages/auth";
import { onboardedMother, shot } from "./pages/mum";

test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
test.use({ allowedConsoleErrors: /the server responded with a status of (400|404)/ });

test("footer links reach every legal page, and the cookie policy lists our cookies", async ({ page }, testInfo) => {
  await page.goto("/");
  for (const [link, heading] of [
    ["Terms", /Terms/],
    ["Privacy", /Privacy/],
    ["Cookies", /Cookie/],
  ] as const) {
    await page.locator("footer").getByRole("link", { name: link, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(heading);
    await expect(page.getByText(/Last updated \d{4}-\d{2}-\d{2}/)).toBeVisible();
    await accessible(page);
  }
  await expect(page.locator("table.cookie-table")).toContainText("sasa_access");
  await expect(page.locator("table.cookie-table")).toContainText("sasa_refresh");
  await expect(page.locator("table.cookie-table")).toContainText("sasa_lang");
  await shot(page, testInfo, "cookies");
  await page.goto("/legal/terms?for=fishmouth");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Terms");
});

test("search the help centre and open an article", async ({ page }, testInfo) => {
  await page.goto("/help");
  await accessible(page);
  await page.getByLabel("Search the help centre").fill("PIN");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/help\?q=PIN/);
  const result = page.locator(".log-entry a").first();
  await expect(result).toBeVisible();
  await result.click();
  await expect(page).toHaveURL(/\/help\/sasamum\//);
  await expect(page.locator("article.prose h1")).toBeVisible();
  await accessible(page);
  await shot(page, testInfo, "help-article");
});

test("submit a support ticket and find its confirmation in the mailbox", async ({ page, request }) => {
  const email = await onboardedMother(page, request, "ticket", 100);
  await page.goto("/mum");
  await page.locator(".help-fab summary").click();
  await page.getByRole("link", { name: "Contact support" }).click();
  await expect(page.getByRole("heading", { name: "Contact support" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Subject").fill("Reminder question");
  await page.getByLabel("What happened?").fill("Can I get reminders at 6 in the morning?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByText(/your request is with us/)).toBeVisible();
  await expect(page.locator("main .log-list")).toContainText("Reminder question");
  await expect(async () => {
    const mails: { recipient: string; subject: string }[] = await (await request.get("/api/dev/mailbox")).json();
    expect(mails.some((m) => m.recipient === email && /We received your request #\d+/.test(m.subject))).toBe(true);
  }).toPass({ timeout: 10_000 });
});

test("every public page passes an accessibility check", async ({ page }) => {
  for (const path of [
    "/", "/login", "/signup", "/signup/check-email", "/verify?token=x", "/forgot", "/forgot/sent", "/reset?token=x",
    "/goodbye", "/help", "/help/sasamum/getting-started", "/help/fishmouth/sequences", "/legal/privacy", "/legal/terms",
    "/legal/cookies", "/no-such-page",
  ]) {
    await page.goto(path);
    await accessible(page);
  }
});

test("every signed-in page passes an accessibility check", async ({ page, request }) => {
  test.setTimeout(90_000);
  await onboardedMother(page, request, "a11y-mum", 120);
  for (const path of ["/mum", "/mum/log", "/mum/visits", "/mum/contractions", "/mum/danger", "/mum/pin", "/mum/end", "/account", "/account/sessions", "/account/privacy", "/account/support"]) {
    await page.goto(path);
    await waitForHydration(page);
    await accessible(page);
  }
  await page.context().clearCookies();
  const roofer = await verifiedAccount(request, "a11y-pro", "fishmouth");
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(roofer, PASSWORD);
  await expect(page).toHaveURL(/\/pro$/);
  for (const path of [
    "/pro", "/pro/welcome", "/pro/scans", "/pro/leads", "/pro/wallet", "/pro/sequences", "/pro/tasks", "/pro/inbox", "/pro/number",
    "/pro/sending", "/pro/calls", "/pro/voice",
  ]) {
    await page.goto(path);
    await waitForHydration(page);
    await accessible(page);
  }
});

test("a visitor chooses Kiswahili before signing in, and English again", async ({ page }) => {
  await page.goto("/");
  await waitForHydration(page);
  await page.getByRole("link", { name: "Kiswahili" }).click();
  await expect(page.getByRole("heading", { name: "Zana kwa nyakati muhimu" })).toBeVisible();
  await waitForHydration(page);
  await page.locator("header").getByRole("link", { name: "Ingia" }).click();
  await expect(page.getByRole("heading", { name: "Ingia" })).toBeVisible();
  await expect(page.getByLabel("Nenosiri")).toBeVisible();
  await accessible(page);
  await page.getByRole("link", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
});

// What one phone asks of the per-address budget (CLIENT_REQUESTS_PER_MINUTE, 1,200 by
// default): pages and server calls, not static files. docs/deploy.md sizes the budget from this.
test("a page load and a navigation use a few of the per-address budget", async ({ page, request }) => {
  await onboardedMother(page, request, "budget", 120);
  const counted: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    const last = path.split("/").pop() ?? "";
    if (path.startsWith("/api/") || !(last.includes(".") || path.startsWith("/pkg/"))) counted.push(path);
  });
  await page.goto("/mum");
  await waitForHydration(page);
  await page.locator(`a[href="/mum/log"]`).first().click();
  await expect(page).toHaveURL(/\/mum\/log/);
  await page.waitForLoadState("networkidle");
  console.log(`budgeted requests for a page load and one navigation: ${counted.length} (${counted.join(", ")})`);
  expect(counted.length).toBeLessThanOrEqual(10);
});
