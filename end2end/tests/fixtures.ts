import { test as base, expect } from "@playwright/test";
import { LandingPage } from "./pages/landing";

// One pattern (join alternatives with |): Playwright reads an array option as [value, options].
type Options = { allowedConsoleErrors: RegExp | null };
type Fixtures = { consoleErrors: string[]; landing: LandingPage };

// Every test fails if the page logs a console error or throws, unless the test allows that message.
export const test = base.extend<Options & Fixtures>({
  allowedConsoleErrors: [null, { option: true }],
  consoleErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && !allowedConsoleErrors?.test(m.text())) errors.push(`${page.url()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`${page.url()}: uncaught: ${e.message}`));
      await use(errors);
      expect(errors, "console errors").toEqual([]);
    },
    { auto: true },
  ],
  landing: async ({ page }, use) => use(new LandingPage(page)),
});

export { expect };
