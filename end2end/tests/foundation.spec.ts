import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { test, expect } from "./fixtures";
import { waitForHydration } from "./pages/auth";

const HASHED_BUNDLE = /\/pkg\/sasafish\.[A-Za-z0-9_-]+\.(js|wasm|css)$/;

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the landing page is rendered on the server", async ({ landing, page }) => {
    await landing.goto();
    await expect(landing.heading()).toHaveText("Tools for the moments that matter");
    await expect(landing.product("SasaMum")).toBeVisible();
    await expect(landing.product("Fish Mouth")).toBeVisible();
    await expect(page.getByRole("link", { name: "Start SasaMum" })).toHaveAttribute("href", "/signup?product=sasamum");
    await expect(page.getByRole("link", { name: "Start Fish Mouth" })).toHaveAttribute("href", "/signup?product=fishmouth");
    await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  });

  test("the due-date form works as a plain form post", async ({ landing, page }) => {
    await landing.gotoSasaMum();
    await landing.workOutDueDate("2026-01-01");
    await expect(page).toHaveURL(/\/mum\/about\?lmp=2026-01-01$/);
    await expect(landing.dueDate()).toContainText("8 October 2026");
  });
});

test.describe("with JavaScript", () => {
  test("the page hydrates and the form answers without a reload", async ({ landing, page }) => {
    await landing.gotoSasaMum();
    await landing.waitForHydration();
    // A full reload would wipe this marker.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));

    await landing.workOutDueDate("2026-01-01");
    await expect(landing.dueDate()).toContainText("8 October 2026");
    await expect(page).toHaveURL(/\/mum\/about\?lmp=2026-01-01$/);

    await landing.workOutDueDate("2025-12-01");
    await expect(landing.dueDate()).toContainText("7 September 2026");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  test("the CSP nonce in the header matches every script tag", async ({ request }) => {
    const response = await request.get("/");
    const csp = response.headers()["content-security-policy"];
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce, csp).toBeTruthy();
    expect(csp).toContain("'strict-dynamic'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await response.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  test("the manifest is valid and its icons exist", async ({ landing, page, request }) => {
    await landing.goto();
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    const response = await request.get(href!);
    expect(response.ok()).toBe(true);
    const manifest = await response.json();
    expect(manifest.name).toBeTruthy();
    expect(manifest.short_name.length).toBeLessThanOrEqual(12);
    expect(manifest.start_url).toBe("/");
    expect(manifest.display).toBe("standalone");
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);

    const pngs = manifest.icons.filter((i: { type: string }) => i.type === "image/png");
    const sizes = pngs.map((i: { sizes: string }) => i.sizes);
    expect(sizes).toContain("192x192");
    expect(sizes).toContain("512x512");
    for (const icon of pngs) {
      const file = await request.get(icon.src);
      expect(file.headers()["content-type"]).toBe("image/png");
      const bytes = await file.body();
      // PNG IHDR: width and height are big-endian u32 at offsets 16 and 20.
      expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(icon.sizes);
    }
  });

  test("the service worker registers and pages still come from the network", async ({ landing, page, baseURL }) => {
    await landing.goto();
    const registration = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.ready;
      return { scope: r.scope, active: Boolean(r.active) };
    });
    expect(registration).toEqual({ scope: `${baseURL}/`, active: true });

    await page.reload();
    await landing.waitForHydration();
    expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true);

    // Under the worker, each load still gets a fresh page (a new nonce): never a cached one.
    const nonce = () => page.evaluate(() => document.querySelector("script")!.nonce);
    const first = await nonce();
    await page.reload();
    await landing.waitForHydration();
    expect(await nonce()).not.toBe(first);
  });

  test("bundles have content-hashed names, are cached as immutable and sent precompressed", async ({ landing, page, request }) => {
    const loaded: string[] = [];
    page.on("response", (r) => {
      if (new URL(r.url()).pathname.startsWith("/pkg/")) loaded.push(new URL(r.url()).pathname);
    });
    await landing.goto();
    await landing.waitForHydration();
    expect(loaded.length).toBeGreaterThanOrEqual(3);
    for (const path of loaded) {
      expect(path).toMatch(HASHED_BUNDLE);
      const response = await request.get(path);
      expect(response.status()).toBe(200);
      expect(response.headers()["cache-control"]).toContain("immutable");
      // The release build wrote <file>.br once (brotli 11); that very file is sent, never the
      // bundle compressed again per request (that would be streamed, without a length).
      const brotli = await request.get(path, { headers: { "accept-encoding": "br" } });
      expect(brotli.headers()["content-encoding"]).toBe("br");
      const built = statSync(join(process.env.LEPTOS_SITE_ROOT!, path + ".br")).size;
      expect(Number(brotli.headers()["content-length"])).toBe(built);
    }
    // The page itself is always revalidated, so a new build's names are seen at once.
    expect((await request.get("/")).headers()["cache-control"]).toBe("no-cache");
  });
});

test.describe("404", () => {
  test.use({ allowedConsoleErrors: /status of 404/ });

  test("an unknown address shows the 404 page", async ({ page }) => {
    const response = await page.goto("/no/such/page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We couldn't find that page");
    await expect(page.getByRole("link", { name: "Go to the home page" })).toBeVisible();
    // The 404 page hydrates too; ending before its bundle has loaded logs a failed import.
    await waitForHydration(page);
  });
});

test.describe("on a 360 px phone", () => {
  test.use({ viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });

  test("the landing pages fit the width and a screenshot of each is kept", async ({ landing, page }, testInfo) => {
    const dir = join(__dirname, "..", "artifacts");
    mkdirSync(dir, { recursive: true });
    for (const [name, go] of [
      ["landing-360", () => landing.goto()],
      ["landing-sasamum-360", () => landing.gotoSasaMum()],
      ["landing-fishmouth-360", () => landing.gotoFishMouth()],
    ] as const) {
      await go();
      await landing.waitForHydration();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, name).toBeLessThanOrEqual(0);
      const button = await page.locator("main .button").first().boundingBox();
      expect(button!.height, name).toBeGreaterThanOrEqual(44);
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(name, { path, contentType: "image/png" });
    }
    await landing.gotoSasaMum();
    const button = await page.getByRole("button", { name: "Work it out" }).boundingBox();
    expect(button!.height).toBeGreaterThanOrEqual(44);
  });
});
