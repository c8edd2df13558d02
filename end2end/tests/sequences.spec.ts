import { createPrivateKey, sign } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { accessible } from "./pages/a11y";
import { LoginPage, PASSWORD, verifiedAccount, waitForHydration } from "./pages/auth";

// The e2e server trusts this Telnyx key (TELNYX_PUBLIC_KEY in scripts/test.sh): seed 42 x 32.
const telnyxKey = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.alloc(32, 42)]),
  format: "der",
  type: "pkcs8",
});

async function telnyxWebhook(request: APIRequestContext, from: string, text: string) {
  const body = JSON.stringify({
    data: {
      id: `evt-${Date.now()}`,
      event_type: "message.received",
      payload: { id: `msg-${Date.now()}`, from: { phone_number: from }, to: [{ phone_number: "+12145550100" }], text },
    },
  });
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), telnyxKey).toString("base64");
  return request.post("/webhooks/telnyx", {
    data: body,
    headers: { "content-type": "application/json", "telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp },
  });
}

/** A contractor with a company, credits and the leads of a small scan. */
async function contractorWithLeads(page: Page) {
  const email = await verifiedAccount(page.request, "sequencer", "fishmouth");
  await page.goto("/login");
  await waitForHydration(page);
  await new LoginPage(page).logIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/pro$/);
  const api = page.request;
  expect((await api.post("/api/pro/company", { form: { company_name: "Lone Star Roofing", postal_address: "1200 Main St, Dallas, TX 75202" } })).status()).toBe(200);
  expect((await api.post("/api/pro/dev-top-up", { form: { amount: "1000" } })).status()).toBe(200);
  const started = await api.post("/api/pro/start-scan", { form: { shape: "circle", lat: "32.7767", lon: "-96.7970", radius_miles: "1.5" } });
  expect(started.status()).toBe(200);
  const scan: string = await started.json();
  await expect(async () => {
    const body = await (await api.get(`/api/pro/scan?id=${scan}`)).json();
    expect(body.scan.status).toBe("done");
  }).toPass({ timeout: 30_000 });
  expect((await api.post("/api/pro/buy-leads", { form: { scan_id: scan } })).status()).toBe(200);
}

// The retry test drops one read on purpose; Chromium reports the dropped request.
test.use({ allowedConsoleErrors: /ERR_INTERNET_DISCONNECTED/ });

test("build a three-step sequence, enroll leads, deliver, unsubscribe, and stop by SMS", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 360, height: 780 });
  await contractorWithLeads(page);

  await page.goto("/pro/sequences");
  await waitForHydration(page);
  await expect(page.getByRole("heading", { name: "Ready sequences" })).toBeVisible();
  await page.getByLabel("Name").fill("Storm follow-up");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page).toHaveURL(/\/pro\/sequences\/[0-9a-f-]+$/);
  const sequenceUrl = page.url();
  const sequenceId = sequenceUrl.split("/").pop()!;
  await waitForHydration(page);

  // Step 1: an email with merge fields, checked while typing and previewed against a real lead.
  const steps = page.locator("ol.steps li.step");
  await expect(steps).toHaveCount(1);
  await steps.nth(0).getByLabel("Subject").fill("Hail near {{street}}");
  await steps.nth(0).getByLabel("Email text").fill("Hi {{first_name}}, this is {{rep_name}} from {{company}}. {{nickname}}");
  await expect(steps.nth(0).getByText("unknown merge field {{nickname}}")).toBeVisible();
  await steps.nth(0).getByLabel("Email text").fill("Hi {{first_name}}, this is {{rep_name}} from {{company}}. A free roof check?");
  await expect(steps.nth(0).getByText("unknown merge field")).toHaveCount(0);
  const preview = page.locator("section.preview");
  await expect(preview).toContainText("from Lone Star Roofing. A free roof check?");
  await expect(preview).not.toContainText("{{company}}");
  await expect(preview).toContainText(/Hail near \d+ /);

  // Steps 2 and 3, then reorder: the text message moves last.
  await page.getByRole("button", { name: "+ Text message" }).click();
  await page.getByRole("button", { name: "+ Email" }).click();
  await expect(steps).toHaveCount(3);
  await steps.nth(1).getByRole("textbox", { name: "Text message" }).fill("Hi {{first_name}}, {{rep_name}} here: free roof check this week?");
  await steps.nth(2).getByLabel("Subject").fill("Still happy to help, {{first_name}}");
  await steps.nth(2).getByLabel("Email text").fill("A last note about {{address}}.");
  await steps.nth(2).getByRole("button", { name: "Move up" }).click();
  await expect(steps.nth(1).getByLabel("Subject")).toHaveValue("Still happy to help, {{first_name}}");
  await expect(steps.nth(2).getByRole("textbox", { name: "Text message" })).toHaveValue(/free roof check this week/);
  // The read after saving loses its connection once: the page tries again and carries on.
  let dropped = 0;
  await page.route(/\/api\/pro\/sequence\?/, async (route) => {
    if (dropped++ === 0) await route.abort("internetdisconnected");
    else await route.continue();
  });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved")).toBeVisible();
  await expect(page.locator("h1")).toContainText("Storm follow-up");
  await expect(steps).toHaveCount(3);
  await expect.poll(() => dropped, { timeout: 5_000 }).toBe(2);
  await expect(page.locator(".notice-inline-error")).toHaveCount(0);
  await page.unroute(/\/api\/pro\/sequence\?/);
  await page.reload();
  await expect(steps).toHaveCount(3);
  await expect(steps.nth(1).getByLabel("Subject")).toHaveValue("Still happy to help, {{first_name}}");
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "artifacts/pro-sequence-editor-360.png", fullPage: true });
  await accessible(page);

  await waitForHydration(page);
  await page.getByRole("button", { name: "Activate" }).click();
  await expect(page.locator("h1 .badge")).toHaveText("active");
  await page.getByLabel("Every lead of a scan").selectOption({ index: 1 });
  await page.getByRole("button", { name: "Enroll", exact: true }).click();
  await expect(page.getByText(/\d+ leads enrolled/)).toBeVisible();

  // Fast test time: the engine's clock jumps to the first due step; the worker sends it.
  expect((await page.request.post("/api/dev/sequences-advance")).status()).toBe(200);
  let unsubscribe = "";
  await expect(async () => {
    const mails: { subject: string; body_text: string }[] = await (await page.request.get("/api/dev/mailbox")).json();
    const mail = mails.find((m) => m.subject.startsWith("Hail near"));
    expect(mail?.body_text).toContain("1200 Main St, Dallas, TX 75202");
    unsubscribe = mail!.body_text.match(/https?:\/\/\S+\/u\/[0-9a-f]+/)![0];
  }).toPass({ timeout: 15_000 });
  await page.goto(new URL(unsubscribe).pathname);
  await expect(page.getByText("Stop all emails from Lone Star Roofing?")).toBeVisible();
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await expect(page.getByRole("heading", { name: "You are unsubscribed" })).toBeVisible();
  await accessible(page);

  // A homeowner replies STOP by text: their enrollment stops at once.
  const sequence = await (await page.request.get(`/api/pro/sequence?id=${sequenceId}`)).json();
  let phone = "";
  let leadId = "";
  for (const e of sequence.enrollments.filter((e: { state: string }) => e.state === "active")) {
    const lead = await (await page.request.get(`/api/pro/lead?id=${e.lead_id}`)).json();
    if (lead.phone) {
      phone = lead.phone;
      leadId = e.lead_id;
      break;
    }
  }
  expect(phone).not.toBe("");
  expect((await telnyxWebhook(page.request, phone, "STOP")).status()).toBe(200);
  await page.goto(`/pro/leads/${leadId}`);
  await expect(page.locator("section.outreach")).toContainText("stopped: opted out");
  await page.locator("section.outreach").screenshot({ path: "artifacts/pro-lead-outreach-360.png" });
  await accessible(page);
  await expect(page.locator("section.outreach")).toContainText("Text opt out");
  await expect(page.locator("section.outreach")).toContainText("Opted out of: sms");
  await page.goto(sequenceUrl);
  await expect(page.locator("dl.report")).toContainText("Opted out");
});
