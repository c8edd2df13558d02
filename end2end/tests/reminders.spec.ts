import { test, expect } from "./fixtures";
import { waitForHydration } from "./pages/auth";
import { onboardedMother, shot } from "./pages/mum";

test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });

/** A zone where it is around noon now, so "in two minutes" and "tomorrow" stay on their days. */
function noonZone(now: Date) {
  const offset = 12 - now.getUTCHours(); // -11 … +12
  // POSIX sign: Etc/GMT-3 is three hours ahead of UTC.
  const zone = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
  const local = new Date(now.getTime() + offset * 3600_000);
  return { zone, local };
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

test("book a visit and find its reminder in the mailbox", async ({ page, request }, testInfo) => {
  test.setTimeout(240_000);
  const email = await onboardedMother(page, request, "mum-remind", 70);
  const { zone, local } = noonZone(new Date());
  // The day-before reminder of a visit tomorrow goes out today at her reminder time: two minutes from now.
  const remindAt = new Date(local.getTime() + 2 * 60_000);
  const tomorrow = new Date(local.getTime() + 86_400_000);
  for (const [path, form] of [
    ["/api/account/profile", { display_name: "Amina", language: "en", timezone: zone }],
    ["/api/mum/reminders", { reminder_time: hhmm(remindAt), emergency_phone: "" }],
  ] as const) {
    expect((await page.request.post(path, { form })).status()).toBe(200);
  }

  await page.goto("/mum/visits");
  await waitForHydration(page);
  await page.getByLabel("What is it?").fill("Ultrasound scan");
  await page.getByLabel("Date", { exact: true }).last().fill(iso(tomorrow));
  await page.getByLabel("Time", { exact: true }).last().fill("09:30");
  await page.getByLabel("Place (optional)").fill("Mbagathi hospital");
  await page.getByRole("button", { name: "Add appointment" }).click();
  await expect(page.locator(".visit").filter({ hasText: "Ultrasound scan" })).toContainText("09:30");
  await shot(page, testInfo, "reminder-booked");

  await expect(async () => {
    const mails: { recipient: string; subject: string; body_text: string }[] = await (await request.get("/api/dev/mailbox")).json();
    const reminder = mails.find((m) => m.recipient === email && m.subject.startsWith("Reminder: Ultrasound scan"));
    expect(reminder?.body_text).toContain("Mbagathi hospital");
  }).toPass({ timeout: 200_000, intervals: [5_000] });
});

test("in Kiswahili, the reminder email reads in Kiswahili with the visit time in Swahili time", async ({ page, request }) => {
  test.setTimeout(240_000);
  const email = await onboardedMother(page, request, "mum-remind-sw", 70, "sw");
  const { zone, local } = noonZone(new Date());
  const remindAt = new Date(local.getTime() + 2 * 60_000);
  const tomorrow = new Date(local.getTime() + 86_400_000);
  for (const [path, form] of [
    ["/api/account/profile", { display_name: "Amina", language: "sw", timezone: zone }],
    ["/api/mum/reminders", { reminder_time: hhmm(remindAt), emergency_phone: "" }],
  ] as const) {
    expect((await page.request.post(path, { form })).status()).toBe(200);
  }
  await page.goto("/mum/visits");
  await waitForHydration(page);
  await page.getByLabel("Ni nini?").fill("Kipimo cha ultrasound");
  await page.getByLabel("Tarehe", { exact: true }).last().fill(iso(tomorrow));
  await page.getByLabel("Saa", { exact: true }).last().fill("09:30");
  await page.getByLabel("Mahali (si lazima)").fill("Hospitali ya Mbagathi");
  await page.getByRole("button", { name: "Ongeza miadi" }).click();
  // On the screen too, 09:30 is "saa tatu na nusu asubuhi".
  await expect(page.locator(".visit").filter({ hasText: "Kipimo cha ultrasound" })).toContainText("saa tatu na nusu asubuhi (09:30)");

  await expect(async () => {
    const mails: { recipient: string; subject: string; body_text: string }[] = await (await request.get("/api/dev/mailbox")).json();
    const reminder = mails.find((m) => m.recipient === email && m.subject.startsWith("Kikumbusho: Kipimo cha ultrasound"));
    expect(reminder?.body_text).toContain("saa tatu na nusu asubuhi (09:30)");
    expect(reminder?.body_text).toContain("Hospitali ya Mbagathi");
    expect(`${reminder?.subject}\n${reminder?.body_text}`).not.toMatch(/\b(the|your|you|at|tomorrow|Reminder|Hello|Bring)\b/);
  }).toPass({ timeout: 200_000, intervals: [5_000] });
});
