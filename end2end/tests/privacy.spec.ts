import { readFileSync } from "node:fs";
import { test, expect } from "./fixtures";
import { LoginPage, PASSWORD, waitForHydration } from "./pages/auth";
import { onboardedMother, shot } from "./pages/mum";

test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
test.use({ allowedConsoleErrors: /the server responded with a status of (400|401)/ });

test("download my data, then delete my account and fail to log in", async ({ page, request }, testInfo) => {
  const email = await onboardedMother(page, request, "mum-leaving", 100);
  await page.goto("/mum/log");
  await waitForHydration(page);
  await page.getByLabel("Weight in kg").first().fill("61.5");
  await page.getByRole("button", { name: "Save weight" }).click();
  await expect(page.locator(".log-entry").filter({ hasText: "61.5 kg" })).toBeVisible();

  await page.goto("/mum");
  await page.getByRole("link", { name: "My data" }).click();
  await expect(page.getByRole("heading", { name: "Privacy and my data" })).toBeVisible();
  await waitForHydration(page);
  await shot(page, testInfo, "privacy");

  // Everything is built as a job: a progress bar, then the file.
  await page.getByRole("button", { name: "Prepare a download of everything (JSON)" }).click();
  await expect(page.locator(".export progress")).toBeVisible();
  const [json] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download everything (JSON)" }).click(),
  ]);
  const data = JSON.parse(readFileSync((await json.path())!, "utf8"));
  expect(data.users[0].email).toBe(email);
  expect(data.weight_logs[0].grams).toBe(61500);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "weight_logs.csv" }).click()]);
  expect(readFileSync((await csv.path())!, "utf8")).toContain("61500");

  await page.getByLabel("Your account password").fill("not the password at all");
  await page.getByLabel("Yes, delete my account and all my data").check();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByText("that password is not right")).toBeVisible();
  await page.getByLabel("Your account password").fill(PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/goodbye$/);
  await expect(page.getByRole("heading", { name: "Your account is deleted" })).toBeVisible();

  await expect(async () => {
    const mails: { recipient: string; subject: string }[] = await (await request.get("/api/dev/mailbox")).json();
    expect(mails.some((m) => m.recipient === email && m.subject === "Your SasaMum account is deleted")).toBe(true);
  }).toPass({ timeout: 10_000 });

  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(new LoginPage(page).error()).toContainText("Wrong email or password.");
});
