import type { Page } from "@playwright/test";

export class LandingPage {
  constructor(readonly page: Page) {}

  goto(query = "") {
    return this.page.goto(`/${query}`);
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
