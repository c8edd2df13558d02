import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { test, expect } from "./fixtures";
import { accessible } from "./pages/a11y";
import { LoginPage, PASSWORD, uniqueEmail, verifiedAccount, waitForHydration } from "./pages/auth";

// A non-operator's admin data calls answer 404, as the last test expects; Chromium logs them.
test.use({ allowedConsoleErrors: /the server responded with a status of 404/ });

/** Makes `email` an operator the only way there is: the server's own command. */
function makeAdmin(email: string) {
  const bin = process.env.E2E_SERVER_BIN;
  const database = process.env.E2E_DATABASE_URL;
  expect(bin && database, "E2E_SERVER_BIN and E2E_DATABASE_URL (set by scripts/test.sh)").toBeTruthy();
  execFileSync(bin!, ["make-admin", email], {
    env: { ...process.env, DATABASE_URL: database!, LEPTOS_CONFIG: join(__dirname, "..", "..", "Leptos.toml"), APP_ENV: "development" },
    stdio: "pipe",
  });
}

/** The 6-digit code an authenticator app shows for a base32 key (RFC 6238, SHA-1, 30 s). */
function totp(key: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const secret = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const digest = createHmac("sha1", secret).update(counter).digest();
  const offset = digest[19] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

test("an operator finds users, resends a confirmation, disables, replies to a ticket and reads the audit log", async ({ page, request }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 360, height: 780 });
  // Someone waiting for their confirmation email, and someone with a support ticket.
  const waiting = uniqueEmail("unconfirmed");
  const registered = await request.post("/api/auth/register", {
    form: { email: waiting, password: PASSWORD, display_name: "Wanjiru", product: "sasamum", language: "en", timezone: "Africa/Nairobi" },
  });
  expect(registered.status()).toBe(200);
  const asker = await verifiedAccount(request, "asker");
  expect((await request.post("/api/auth/login", { form: { email: asker, password: PASSWORD } })).status()).toBe(200);
  const ticket = await request.post("/api/help/ticket", { form: { subject: "Cannot find my visits", body: "Where are my clinic visits?" } });
  expect(ticket.status()).toBe(200);
  await request.post("/api/auth/logout");

  const operator = await verifiedAccount(request, "operator");
  makeAdmin(operator);
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(operator, PASSWORD);
  await expect(page).not.toHaveURL(/\/login/);

  // An admin page first asks for the second factor, set up the first time: key, recovery codes, a code.
  await page.goto("/admin");
  await page.getByRole("link", { name: "Enter the code" }).click();
  await expect(page).toHaveURL(/\/admin\/verify$/);
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Set up your authenticator app" })).toBeVisible();
  await expect(page.locator(".recovery-codes li")).toHaveCount(10);
  await accessible(page);
  const key = (await page.locator("code.secret-key").textContent())!.trim();
  await page.getByLabel("Code").fill(totp(key));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto(`/admin?q=${encodeURIComponent(waiting)}`);
  await waitForHydration(page);
  const row = page.locator(`li[data-email="${waiting}"]`);
  await expect(row).toContainText("not confirmed");
  await accessible(page);
  await row.getByRole("button", { name: "Resend the confirmation email" }).click();
  await expect(async () => {
    const mails: { recipient: string; subject: string }[] = await (await request.get("/api/dev/mailbox")).json();
    expect(mails.filter((m) => m.recipient === waiting).length).toBeGreaterThanOrEqual(2);
  }).toPass({ timeout: 10_000 });
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(row.getByRole("button", { name: "Enable" })).toBeVisible();

  await page.goto("/admin/tickets");
  await waitForHydration(page);
  const open = page.locator("li.log-entry", { hasText: "Cannot find my visits" });
  await expect(open).toBeVisible();
  await accessible(page);
  await open.getByLabel("Reply by email").fill("Open the menu and tap Visits.");
  await open.getByRole("button", { name: "Send reply" }).click();
  await expect(async () => {
    const mails: { recipient: string; body_text: string }[] = await (await request.get("/api/dev/mailbox")).json();
    expect(mails.some((m) => m.recipient === asker && m.body_text.includes("Open the menu and tap Visits."))).toBe(true);
  }).toPass({ timeout: 10_000 });

  await page.goto("/admin/audit?action=admin.");
  await expect(page.locator("table.audit")).toContainText("admin.");
  await accessible(page);
  await page.goto("/pro/admin");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await accessible(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
});

test("someone who is not an operator finds no admin page", async ({ page, request }) => {
  const email = await verifiedAccount(request, "not-operator");
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).not.toHaveURL(/\/login/);
  for (const path of ["/admin", "/admin/tickets", "/admin/audit"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't find that page");
  }
});
