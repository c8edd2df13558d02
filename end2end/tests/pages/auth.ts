import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const PASSWORD = "a long and happy password";

export function uniqueEmail(tag: string) {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export async function waitForHydration(page: Page) {
  await page.locator("body[data-hydrated=true]").waitFor();
}

export class SignupPage {
  constructor(readonly page: Page) {}

  async signUp(name: string, email: string, password: string) {
    await this.page.getByLabel("Your name").fill(name);
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Create account" }).click();
  }
}

export class LoginPage {
  constructor(readonly page: Page) {}

  async logIn(email: string, password: string) {
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Log in" }).click();
  }

  error() {
    return this.page.locator(".notice-inline-error");
  }
}

type Mail = { recipient: string; subject: string; body_text: string };

/** Reads the development mailbox, newest first, until a message for `to` with a link to `path` arrives. */
export async function linkFromMailbox(request: APIRequestContext, to: string, path: string): Promise<string> {
  let found: string | undefined;
  await expect(async () => {
    const mails: Mail[] = await (await request.get("/api/dev/mailbox")).json();
    const mail = mails.find((m) => m.recipient === to && m.body_text.includes(`${path}?token=`));
    found = mail?.body_text.match(new RegExp(`https?://\\S+${path}\\?token=[\\w-]+`))?.[0];
    expect(found).toBeTruthy();
  }).toPass({ timeout: 10_000 });
  // Links are built from the configured public URL; the tests talk to the server they started.
  return new URL(found!).pathname + new URL(found!).search;
}

/** A verified account made through the API, as a returning user would have. */
export async function verifiedAccount(request: APIRequestContext, tag: string, product = "sasamum") {
  const email = uniqueEmail(tag);
  const response = await request.post("/api/auth/register", {
    form: { email, password: PASSWORD, display_name: "Amina", product, language: "en", timezone: "Africa/Nairobi" },
  });
  expect(response.status()).toBe(200);
  const verify = await linkFromMailbox(request, email, "/verify");
  const token = new URL(verify, "http://x").searchParams.get("token")!;
  expect((await request.post("/api/auth/verify-email", { form: { token } })).status()).toBe(200);
  return email;
}
