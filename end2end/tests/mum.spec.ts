import { test, expect } from "./fixtures";
import { accessible } from "./pages/a11y";
import { LoginPage, PASSWORD, linkFromMailbox, verifiedAccount, waitForHydration } from "./pages/auth";
import { isoDaysAgo, onboardedMother, shot } from "./pages/mum";

test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });

test("onboarding from sign-in to the today view, then the danger-sign flow", async ({ page, request }, testInfo) => {
  const email = await verifiedAccount(request, "mum");
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/mum$/);

  await expect(page.getByRole("heading", { name: "Your information, your choice" })).toBeVisible();
  await shot(page, testInfo, "consent");
  await page.getByLabel("I agree that SasaMum keeps my pregnancy information").check();
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Your dates" })).toBeVisible();
  // Leaving and coming back resumes at the saved step.
  await page.goto("/mum");
  await expect(page.getByRole("heading", { name: "Your dates" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("The first day of my last period").check();
  await page.getByLabel("The date").fill(isoDaysAgo(100));
  await shot(page, testInfo, "dates");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Reminders and help" })).toBeVisible();
  await page.getByLabel("A phone number to call in an emergency (optional)").fill("+254 712 345678");
  await page.getByRole("button", { name: "Show my week" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 14, day 2");
  await expect(page.getByText("Second trimester")).toBeVisible();
  await expect(page.getByText("The baby can make faces and may suck its thumb.")).toBeVisible();
  await shot(page, testInfo, "today");

  await page.getByRole("link", { name: "I have a danger sign" }).click();
  await expect(page.getByRole("heading", { name: "Do you have any of these?" })).toBeVisible();
  await shot(page, testInfo, "danger-signs");
  await page.getByRole("button", { name: "Bleeding from the vagina" }).click();
  await expect(page.getByRole("heading", { name: "Go to a health facility now" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Call +254 712 345678" })).toHaveAttribute("href", "tel:+254712345678");
  await shot(page, testInfo, "urgent");
});

test("the today view in Kiswahili", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-sw", 100, "sw");
  await page.goto("/mum");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Wiki 14, siku 2");
  await expect(page.getByText("Mtoto anaweza kukunja uso")).toBeVisible();
  await expect(page.getByRole("link", { name: "Nina dalili ya hatari" })).toBeVisible();
  // The review's W6, W7 and W8: words in Kiswahili order, the trimester named, the month in Kiswahili.
  await expect(page.getByText("Kipindi cha pili cha ujauzito")).toBeVisible();
  await expect(page.getByText(/Zimebaki siku \d+/)).toBeVisible();
  await expect(page.locator(".milestones")).not.toContainText(/\d{4}-\d{2}-\d{2}|January|February|March|April|May|June|July|August|September|October|November|December/);
  await shot(page, testInfo, "today-sw");
});

/** Words that only English has: none may show on a Kiswahili screen. */
const ENGLISH = /\b(the|your|you|and|to|of|is|now|Call|Go|Do not|Loading|Save|Week|visit|date)\b/;

test.describe("in Kiswahili", () => {
  // The form error below is a 400 answer, which Chromium logs.
  test.use({ allowedConsoleErrors: /status of 400|ERR_INTERNET_DISCONNECTED/ });

  test("in Kiswahili at 360 px: the urgent screen, a form error and the offline page have no English", async ({ page, request, context }, testInfo) => {
    await onboardedMother(page, request, "mum-sw-urgent", 100, "sw");
    await page.goto("/mum/danger");
    await waitForHydration(page);
    await page.getByRole("button", { name: "Kutokwa na damu ukeni" }).click();
    await expect(page.getByRole("heading", { name: "Nenda kituo cha afya sasa hivi" })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Piga / })).toHaveAttribute("href", /^tel:/);
    expect(await page.locator("body").innerText()).not.toMatch(ENGLISH);
    await shot(page, testInfo, "urgent-sw");

    // W19: a form error comes back in Kiswahili.
    await page.goto("/mum/visits");
    await waitForHydration(page);
    await page.getByLabel("Ni nini?").fill("Kipimo cha damu");
    await page.getByLabel("Tarehe", { exact: true }).last().fill(isoDaysAgo(3));
    await page.getByLabel("Saa", { exact: true }).last().fill("09:30");
    await page.getByRole("button", { name: "Ongeza miadi" }).click();
    await expect(page.getByText("tarehe hii imeshapita")).toBeVisible();
    expect(await page.locator("main").innerText()).not.toMatch(ENGLISH);
    await shot(page, testInfo, "visit-error-sw");

    // Offline, a page that is not saved answers in Kiswahili only.
    await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
    await page.goto("/mum/log");
    await context.setOffline(true);
    await page.goto("/mum/log");
    await expect(page.getByRole("heading", { name: "Hakuna mtandao" })).toBeVisible();
    await expect(page.getByText("Ukiwa na dalili ya hatari, usisubiri")).toBeVisible();
    expect(await page.locator("body").innerText()).not.toMatch(ENGLISH);
    await shot(page, testInfo, "offline-sw");
    await context.setOffline(false);
  });
});

test("recording a loss stops the weekly content", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-loss", 60);
  await page.goto("/mum");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Week 8, day 4");
  await page.getByRole("link", { name: "My pregnancy has ended" }).click();
  await waitForHydration(page);
  await page.getByLabel("I had a miscarriage").check();
  await page.getByLabel("When").fill(isoDaysAgo(0));
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/mum$/);
  await expect(page.getByRole("heading", { name: "We are so sorry" })).toBeVisible();
  await expect(page.getByText("Your baby this week")).toHaveCount(0);
  await expect(page.getByText(/^Week \d+/)).toHaveCount(0);
  await shot(page, testInfo, "after-loss");
});

test("log a symptom and a weight", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-log", 120);
  await page.goto("/mum");
  await page.getByRole("link", { name: "Log a symptom or my weight" }).click();
  await expect(page.getByRole("heading", { name: "My log" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("Back pain").check();
  await page.getByLabel("A note, in your own words (optional)").fill("worse in the evening");
  await page.getByRole("button", { name: "Save symptoms" }).click();
  await expect(page.locator(".log-entry").filter({ hasText: "worse in the evening" })).toContainText("Back pain");
  await page.getByLabel("Weight in kg").fill("64.2");
  await page.getByRole("button", { name: "Save weight" }).click();
  await expect(page.locator(".log-entry").filter({ hasText: "64.2 kg" })).toBeVisible();
  await shot(page, testInfo, "log");
});

test("book the next clinic visit", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-visit", 70);
  await page.goto("/mum");
  await page.getByRole("link", { name: "My clinic visits" }).click();
  await expect(page.getByRole("heading", { name: "Clinic visits" })).toBeVisible();
  await waitForHydration(page);
  const week12 = page.locator(".visit").filter({ hasText: "Clinic visit, week 12" });
  await week12.getByText("Set the date and time").click();
  await week12.getByLabel("Date").fill(isoDaysAgo(-3));
  await week12.getByLabel("Time").fill("10:30");
  await week12.getByLabel("Place").fill("Kibera clinic");
  await week12.getByRole("button", { name: "Save visit" }).click();
  const booked = page.locator('.visit[data-status="planned"]').filter({ hasText: "Clinic visit, week 12" });
  await expect(booked).toContainText("10:30");
  await expect(booked).toContainText("Kibera clinic");
  await shot(page, testInfo, "visits");
});

test("turn on weekly messages for Wednesdays and read this week's message", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-weekly", 140);
  await page.goto("/mum");
  await page.getByRole("link", { name: "Weekly messages" }).click();
  await expect(page.getByRole("heading", { name: "Weekly messages" })).toBeVisible();
  await expect(page.getByText("Off: you get no weekly messages.")).toBeVisible();
  await expect(page.locator(".weekly-sample blockquote")).toContainText("SasaMum, week 20: ");
  await waitForHydration(page);
  await page.getByLabel("Send me one message a week").check();
  await page.getByLabel("Day").selectOption({ label: "Wednesday" });
  await page.getByLabel("Time").fill("09:30");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("On: every Wednesday at 09:30.")).toBeVisible();
  await accessible(page);
  await shot(page, testInfo, "weekly-messages");
});

test("weekly messages turn on with the plain form, before the app has loaded", async ({ page, request, browser }) => {
  await onboardedMother(page, request, "mum-weekly-nojs", 100);
  const context = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await page.context().storageState(),
    viewport: { width: 360, height: 780 },
  });
  const plain = await context.newPage();
  const url = new URL("/mum/messages", page.url()).toString();
  await plain.goto(url);
  await plain.getByLabel("Send me one message a week").check();
  await plain.getByLabel("Day").selectOption({ label: "Friday" });
  await plain.getByRole("button", { name: "Save" }).click();
  await plain.goto(url);
  await expect(plain.getByText("On: every Friday at 08:00.")).toBeVisible();
  await context.close();
});

test("record a birth, then the baby's checks and vaccines: the first vaccine marked given", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-birth", 275);
  await page.goto("/mum");
  await page.getByRole("link", { name: "My pregnancy has ended" }).click();
  await waitForHydration(page);
  await page.getByLabel("My baby was born").check();
  await page.getByLabel("When").fill(isoDaysAgo(1));
  await page.getByLabel("Baby's name (optional)").fill("Amani");
  await page.getByLabel("Weight at birth in kg (optional)").fill("3.2");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/mum$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Amani is 1 day old");
  await expect(page.locator(".milestones")).toContainText("Check in the first 24 hours");
  await expect(page.locator(".milestones")).toContainText("BCG, OPV 0");
  await accessible(page);
  await shot(page, testInfo, "after-birth");

  await page.getByRole("link", { name: "Baby's checks and vaccines" }).click();
  await expect(page.getByRole("heading", { name: "Amani's care" })).toBeVisible();
  await expect(page.locator(".care-list").first()).toContainText("Check on day 3");
  await waitForHydration(page);
  const birth = page.locator(".vaccination-day").filter({ hasText: "At birth" });
  await birth.getByLabel("Polio drops, dose 0").uncheck();
  await birth.getByRole("button", { name: "Mark given" }).click();
  await expect(page.locator(".dose-given").filter({ hasText: "BCG" })).toContainText("given");
  await expect(page.locator(".dose-given")).toHaveCount(1);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await accessible(page);
  await shot(page, testInfo, "baby-care");

  await page.goto("/mum");
  await expect(page.locator(".milestones")).toContainText("OPV 0");
  await expect(page.locator(".milestones")).not.toContainText("BCG");
  await page.getByRole("link", { name: "My baby or I have a danger sign" }).click();
  await expect(page.getByRole("heading", { name: "Your baby" })).toBeVisible();
  await accessible(page);
});

test("invite a companion, who signs in and sees her week but not her notes", async ({ page, request }, testInfo) => {
  await onboardedMother(page, request, "mum-shares", 70);
  const note = await page.request.post("/api/mum/symptoms", { form: { "symptoms[]": "back_pain", note: "only for me" } });
  expect(note.status()).toBe(200);
  const partner = await verifiedAccount(request, "partner");
  await page.goto("/mum");
  await page.getByRole("link", { name: "A companion" }).click();
  await expect(page.getByRole("heading", { name: "A companion" })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(/^Their email/).fill(partner);
  await page.getByRole("button", { name: "Send the invitation" }).click();
  await expect(page.locator(".companion-status")).toContainText(`Invitation sent to ${partner}`);
  await accessible(page);
  await shot(page, testInfo, "companion-invited");

  // On another phone: the link asks him to sign in, then to accept.
  const link = await linkFromMailbox(request, partner, "/mum/companion/accept");
  expect((await page.request.post("/api/auth/logout")).status()).toBeLessThan(400);
  await page.goto(link);
  await expect(page).toHaveURL(/\/login\?next=/);
  await waitForHydration(page);
  await new LoginPage(page).logIn(partner, PASSWORD);
  await expect(page.getByRole("heading", { name: "Amina invites you to follow her pregnancy" })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Accept" }).click();
  await expect(page).toHaveURL(/\/mum\/shared$/);
  const shared = page.locator(".shared");
  await expect(shared).toContainText("Week 10, day 0");
  await expect(shared).toContainText("Next clinic visit");
  await expect(shared).not.toContainText("only for me");
  await expect(shared).not.toContainText("Back pain");
  await accessible(page);
  await shot(page, testInfo, "companion-view");
});
