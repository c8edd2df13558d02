import type { Page } from "@playwright/test";

export class LandingPage {
  constructor(readonly page: Page) {}

  /** The platform's page, which links to both products. */
  goto(query = "") {
    return this.page.goto(`/${query}`);
  }

  /** SasaMum's own landing page on a single host (its host's `/` elsewhere), with the due-date calculator. */
  gotoSasaMum(query = "") {
    return this.page.goto(`/mum/about${query}`);
  }

  /** Fish Mouth's own landing page on a single host. */
  gotoFishMouth() {
    return this.page.goto("/pro/about");
  }

  /** The brand name in the header. */
  brand() {
    return this.page.locator("header .brand");
  }

  async waitForHydration() {
    await this.page.locator("body[data-hydrated=true]").waitFor();
  }

  heading() {
    return this.page.getByRole("heading", { level: 1 });
  }

  product(name: string) {
    return this.page.getByRole("heading", { level: 2, name });
  }

  async workOutDueDate(lmp: string) {
    await this.page.getByLabel("First day of your last period").fill(lmp);
    await this.page.getByRole("button", { name: "Work it out" }).click();
  }

  dueDate() {
    return this.page.locator(".due-date");
  }
}
