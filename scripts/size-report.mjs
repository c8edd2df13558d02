// Prints the release bundle sizes, raw and compressed, and enforces the WASM budget.
// Usage: node scripts/size-report.mjs <site>/pkg
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

// The bare shell (landing page, router, hydration) measured 132 KB brotli; the account pages
// and their typed server functions brought it to ~275 KB, SasaMum's pages to ~365 KB,
// Fish Mouth's (scans, leads, wallet, onboarding, dashboards) to ~461 KB, and the help
// centre, legal, privacy and admin pages to ~503 KB, and Fish Mouth's sequence builder, tasks,
// outreach panel and unsubscribe page to ~573 KB, and the two brands (each product's own
// landing page, chosen in the browser as on the server) with typed statuses to ~608 KB, and her
// log's pages and one-editor-at-a-time history to ~623 KB, and the pages after birth (the baby's
// checks and vaccines) and of her companion (invite, accept, shared with you) to ~651 KB, and her
// weekly messages, the health worker's registration and Fish Mouth's reply inbox to ~668 KB, and a
// contractor's own number and sending domain (two pages, eight server functions) to ~685 KB, and
// Fish Mouth on real data (the place search on the scan form, the two import pages, a lead's roof
// read from an aerial image: six server functions) to ~722 KB, and the call assistant (the calls
// list, a call's page, a lead's calls panel, voice settings: seven server functions) to ~742 KB.
// Most of it is
// generic reactive/view code per page, and today one bundle serves both products. The
// budget catches a jump (a crate that should stay on the server, like a time-zone
// database). Splitting the bundle per product with Leptos lazy routes was measured and did not
// pay (docs/decisions/0004-bundle-splitting.md); islands are the way to a smaller page.
const WASM_BROTLI_BUDGET = 760 * 1024;
const dir = process.argv[2];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);

const rows = readdirSync(dir)
  .filter((f) => /\.(wasm|js|css)$/.test(f))
  .sort()
  .map((file) => {
    const bytes = readFileSync(join(dir, file));
    const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli };
  });

console.log(`${"file".padEnd(40)}${"raw".padStart(10)}${"gzip".padStart(10)}${"brotli".padStart(10)}`);
for (const r of rows) console.log(`${r.file.padEnd(40)}${kb(r.raw)}${kb(r.gzip)}${kb(r.brotli)}`);
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
console.log(`${"total".padEnd(40)}${kb(total.raw)}${kb(total.gzip)}${kb(total.brotli)}`);

const wasm = rows.filter((r) => r.file.endsWith(".wasm"));
if (wasm.length === 0) {
  console.error("no .wasm file found in " + dir);
  process.exit(1);
}
for (const r of wasm) {
  const ok = r.brotli <= WASM_BROTLI_BUDGET;
  console.log(`${ok ? "within" : "OVER"} budget: ${r.file} is ${kb(r.brotli).trim()} brotli (budget ${kb(WASM_BROTLI_BUDGET).trim()})`);
  if (!ok) process.exitCode = 1;
}
