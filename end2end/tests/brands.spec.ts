import type { APIRequestContext } from "@playwright/test";
import { test, expect } from "./fixtures";

// Each product presents as itself. The e2e server runs on one host, so the path decides
// (on SASAMUM_HOST / FISHMOUTH_HOST each product's pages are the same, at `/`).
const PRODUCTS = [
  {
    name: "SasaMum",
    landing: "/mum/about",
    manifest: "/mum/manifest.webmanifest",
    scope: "/mum",
    shortcuts: ["/mum/danger/now", "/mum/contractions", "/mum/log"],
    heading: "Your pregnancy, week by week",
    never: /roof|Fish Mouth/i,
  },
  {
    name: "Fish Mouth",
    landing: "/pro/about",
    manifest: "/pro/manifest.webmanifest",
    scope: "/pro",
    shortcuts: ["/pro/leads", "/pro/scans", "/pro/tasks"],
    heading: "Roofing leads worth the drive",
    never: /pregnan|SasaMum|Kiswahili/i,
  },
];

type Icon = { src: string; sizes: string; type: string; purpose?: string };
type Manifest = {
  id: string;
  name: string;
  short_name: string;
  start_url: string;
  scope: string;
  display: string;
  theme_color: string;
  background_color: string;
  icons: Icon[];
  shortcuts: { name: string; url: string }[];
};

/** What a browser checks before it offers to install: the manifest, its icons, its scope. */
async function installCheck(request: APIRequestContext, baseURL: string, href: string): Promise<Manifest> {
  const response = await request.get(href);
  expect(response.ok(), href).toBe(true);
  expect(response.headers()["content-type"]).toContain("application/manifest+json");
  const manifest: Manifest = await response.json();
  const base = new URL(href, baseURL);
  const scope = new URL(manifest.scope, base).href;
  const start = new URL(manifest.start_url, base).href;
  expect(manifest.name).toBeTruthy();
  expect(manifest.short_name.length).toBeLessThanOrEqual(12);
  expect(manifest.display).toBe("standalone");
  expect(manifest.id).toBeTruthy();
  expect(start.startsWith(scope), `${start} within ${scope}`).toBe(true);
  expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);

  const pngs = manifest.icons.filter((i) => i.type === "image/png" && i.purpose !== "maskable");
  expect(pngs.map((i) => i.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
  for (const icon of manifest.icons) {
    const file = await request.get(new URL(icon.src, base).href);
    expect(file.ok(), icon.src).toBe(true);
    expect(file.headers()["content-type"], icon.src).toBe(icon.type);
    if (icon.type === "image/png") {
      const bytes = await file.body();
      // PNG IHDR: width and height are big-endian u32 at offsets 16 and 20.
      expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
    }
  }
  // Each shortcut opens a page of the installed app (signed out: the log-in page it leads to).
  for (const shortcut of manifest.shortcuts) {
    const url = new URL(shortcut.url, base).href;
    expect(url.startsWith(scope), `${shortcut.url} within ${manifest.scope}`).toBe(true);
    expect((await request.get(url)).ok(), shortcut.url).toBe(true);
  }
  return manifest;
}

for (const product of PRODUCTS) {
  test(`${product.name} installs as its own app`, async ({ request, baseURL }) => {
    const manifest = await installCheck(request, baseURL!, product.manifest);
    expect(manifest.name).toBe(product.name);
    expect(manifest.scope).toBe(product.scope);
    expect(manifest.start_url).toBe(product.scope);
    expect(manifest.shortcuts.map((s) => s.url)).toEqual(product.shortcuts);
  });

  test(`${product.name}'s landing page sells ${product.name} only`, async ({ landing, page, baseURL }) => {
    await landing.gotoSasaMum(); // a visit to the other product first: nothing of it stays
    await page.goto(product.landing);
    await landing.waitForHydration();
    await expect(page).toHaveTitle(product.name);
    await expect(landing.brand()).toHaveText(product.name);
    await expect(landing.heading()).toHaveText(product.heading);
    await expect(page.locator("main")).not.toContainText(product.never);
    await expect(page.locator("footer")).not.toContainText(product.never);
    await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", product.manifest);
    const manifest = await installCheck(page.request, baseURL!, product.manifest);
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute("content", manifest.theme_color);
    // Its service worker covers its own pages only.
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${baseURL}${product.scope}`);
  });
}

test("the platform's page links to both products, each opening as itself", async ({ landing, page, request, baseURL }) => {
  await landing.goto();
  await expect(landing.brand()).toHaveText("Sasa");
  await expect(landing.product("SasaMum")).toBeVisible();
  await expect(landing.product("Fish Mouth")).toBeVisible();
  const manifest = await installCheck(request, baseURL!, "/manifest.webmanifest");
  expect(manifest.name).toBe("Sasa");

  await page.getByRole("link", { name: "Visit Fish Mouth" }).click();
  await expect(page).toHaveURL(/\/pro\/about$/);
  await expect(landing.brand()).toHaveText("Fish Mouth");
  await expect(page).toHaveTitle("Fish Mouth");
});

test("Fish Mouth stays in English for a Kiswahili reader; SasaMum speaks Kiswahili", async ({ landing, page }) => {
  await landing.gotoSasaMum();
  await landing.waitForHydration();
  await page.getByRole("link", { name: "Kiswahili" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "sw");
  await expect(page.locator("footer nav")).toContainText("Masharti · Faragha");
  await expect(page.locator("footer nav")).toContainText("Msaada");

  await landing.gotoFishMouth();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.locator("footer nav")).toHaveText("Terms · Privacy · Cookies · Help");
  await expect(page.getByRole("link", { name: "Kiswahili" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Log in" }).first()).toBeVisible();
});
