import { test, expect } from "./fixtures";
import { LoginPage, PASSWORD, SignupPage, linkFromMailbox, uniqueEmail, verifiedAccount, waitForHydration } from "./pages/auth";

// These tests submit wrong passwords and short ones on purpose: Chromium logs each
// 400/401/403 answer as a console error. Anything else still fails the test.
test.use({ allowedConsoleErrors: /the server responded with a status of (400|401|403)/ });

test("sign up, confirm from the mailbox, log in to the dashboard, log out", async ({ page, request }) => {
  const email = uniqueEmail("signup");
  await page.goto("/signup?product=sasamum");
  await waitForHydration(page);
  await new SignupPage(page).signUp("Amina", email, PASSWORD);
  await expect(page).toHaveURL(/\/signup\/check-email$/);
  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();

  // The link, as a person would find it in the dev mailbox.
  const link = await linkFromMailbox(request, email, "/verify");
  await page.goto("/dev/mailbox");
  await expect(page.locator(`[data-recipient="${email}"]`).first()).toContainText("Confirm your email");
  await page.goto(link);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(page).toHaveURL(/\/login\?verified=1$/);
  await expect(page.getByRole("status")).toContainText("Your email is confirmed");

  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/mum$/);
  await expect(page.getByRole("heading", { name: "Your information, your choice" })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/mum");
  await expect(page).toHaveURL(/\/login\?next=\/mum$/);
});

test("forgot password, reset it, and only the new one works", async ({ page, request }) => {
  const email = await verifiedAccount(request, "reset", "fishmouth");
  await page.goto("/forgot");
  await waitForHydration(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a link" }).click();
  await expect(page).toHaveURL(/\/forgot\/sent$/);

  await page.goto(await linkFromMailbox(request, email, "/reset"));
  await waitForHydration(page);
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Save my new password" }).click();
  await expect(page.locator("#password-error")).toContainText("at least 12 characters");
  await page.getByLabel("New password").fill("a fresh new passphrase");
  await page.getByRole("button", { name: "Save my new password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);

  const login = new LoginPage(page);
  await login.logIn(email, PASSWORD);
  await expect(login.error()).toHaveText("Wrong email or password.");
  await login.logIn(email, "a fresh new passphrase");
  await expect(page).toHaveURL(/\/pro$/);
});

test("a wrong password and an unknown email show the same single message", async ({ page, request }) => {
  const email = await verifiedAccount(request, "generic");
  const login = new LoginPage(page);
  await page.goto("/login");
  await waitForHydration(page);
  await login.logIn(email, "not the right password");
  await expect(login.error()).toHaveText("Wrong email or password.");
  await login.logIn(uniqueEmail("nobody"), "not the right password");
  await expect(login.error()).toHaveText("Wrong email or password.");
  await expect(page.locator(".field-error:visible")).toHaveCount(0);
});

test("a private page sends you to log in and back", async ({ page, request }) => {
  const email = await verifiedAccount(request, "next");
  await page.goto("/account/sessions");
  await expect(page).toHaveURL(/\/login\?next=\/account\/sessions$/);
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/account\/sessions$/);
  await expect(page.getByText("This device", { exact: true })).toBeVisible();
});

test("another site cannot make the browser post to us", async ({ page, baseURL }) => {
  // A page on another origin, served by the browser's own router: no network needed.
  await page.route("http://evil.example/", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<form method="POST" action="${baseURL}/api/auth/logout"><button>Win a prize</button></form>`,
    }),
  );
  await page.goto("http://evil.example/");
  const answer = page.waitForResponse((r) => r.url() === `${baseURL}/api/auth/logout`);
  await page.getByRole("button", { name: "Win a prize" }).click();
  const response = await answer;
  expect(response.status()).toBe(403);
  expect(await response.json()).toMatchObject({ error: "cross_site_request" });
});

test.describe("before the WASM loads", () => {
  test.use({ javaScriptEnabled: false });

  test("the forms work as plain form posts, with field errors", async ({ page, request }) => {
    await page.goto("/signup");
    await new SignupPage(page).signUp("Amina", uniqueEmail("nojs"), "short");
    await expect(page.locator("#password-error")).toContainText("at least 12 characters");

    const email = await verifiedAccount(request, "nojs-login");
    await page.goto("/login");
    const login = new LoginPage(page);
    await login.logIn(email, "not the right password");
    await expect(login.error()).toHaveText("Wrong email or password.");
    await login.logIn(email, PASSWORD);
    await expect(page).toHaveURL(/\/mum$/);
    await expect(page.getByRole("heading", { name: "Your information, your choice" })).toBeVisible();
  });
});
