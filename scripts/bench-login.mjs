// Login latency under load, and what it does to everything else.
// Usage: node scripts/bench-login.mjs http://127.0.0.1:3100   (a development server: it reads /api/dev/mailbox)
//
// Prints the p50/p99 of 50 concurrent logins, and the p99 of /healthz measured at the same
// time next to its p99 when idle: argon2 runs on the blocking pool behind a semaphore, so the
// ratio shows whether logins stall other requests. Clients come from several loopback
// addresses (127.N.0.2, .3 ..., N from the process id) as real users would, so the per-IP login limit is not the bottleneck.
import http from "node:http";

const BASE = new URL(process.argv[2] ?? "http://127.0.0.1:3000");
const CONCURRENCY = 50;
const LOGINS = 200;
const PASSWORD = "a long and happy benchmark password";

function request(method, path, { form, localAddress } = {}) {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      {
        host: BASE.hostname,
        port: BASE.port,
        method,
        path,
        localAddress,
        agent: false,
        headers: body ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } : {},
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode, text, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function verifiedAccount() {
  const email = `bench-${Date.now()}@example.com`;
  const form = { email, password: PASSWORD, display_name: "Bench", product: "fishmouth", language: "en", timezone: "UTC" };
  // From its own loopback address, so earlier test sign-ups do not count against it.
  const registered = await request("POST", "/api/auth/register", { form, localAddress: `127.${1 + (process.pid % 250)}.1.1` });
  if (registered.status !== 200) throw new Error(`register: ${registered.status} ${registered.text}`);
  for (let i = 0; i < 50; i++) {
    const mails = JSON.parse((await request("GET", "/api/dev/mailbox")).text);
    const token = mails.find((m) => m.recipient === email)?.body_text.match(/verify\?token=([\w-]+)/)?.[1];
    if (token) {
      const verified = await request("POST", "/api/auth/verify-email", { form: { token } });
      if (verified.status !== 200) throw new Error(`verify: ${verified.status}`);
      return email;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no verification email in /api/dev/mailbox (is the server in development mode?)");
}

async function healthzLoop(stop) {
  const times = [];
  while (!stop()) {
    times.push((await request("GET", "/healthz")).ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  return times;
}

const email = await verifiedAccount();

// Idle baseline.
let idleDone = false;
setTimeout(() => (idleDone = true), 3000);
const idle = await healthzLoop(() => idleDone);

// Load: 50 clients share 200 logins; /healthz is sampled alongside. A client told 503
// waits for Retry-After and tries again, as the web app does; a login's time includes that.
let next = 0;
let loadDone = false;
const logins = [];
const attempts = [];
const statuses = {};
const healthUnderLoad = healthzLoop(() => loadDone);
const started = Date.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async (_, worker) => {
    const localAddress = `127.${1 + (process.pid % 250)}.0.${2 + worker}`;
    while (next < LOGINS) {
      next++;
      const begun = process.hrtime.bigint();
      for (;;) {
        const r = await request("POST", "/api/auth/login", { form: { email, password: PASSWORD }, localAddress });
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) attempts.push(r.ms);
        if (r.status !== 503) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      logins.push(Number(process.hrtime.bigint() - begun) / 1e6);
    }
  }),
);
const seconds = (Date.now() - started) / 1000;
loadDone = true;
const loaded = await healthUnderLoad;

console.log(`logins: ${LOGINS} with ${CONCURRENCY} concurrent clients in ${seconds.toFixed(1)} s (${(LOGINS / seconds).toFixed(1)}/s)`);
console.log(`  answers: ${Object.entries(statuses).map(([s, n]) => `${n} x ${s}`).join(", ")} (503 = hashing queue full: retried after Retry-After)`);
console.log(`  login latency, retries included: p50 ${fmt(percentile(logins, 50))}, p99 ${fmt(percentile(logins, 99))}`);
console.log(`  one successful attempt:          p50 ${fmt(percentile(attempts, 50))}, p99 ${fmt(percentile(attempts, 99))}`);
console.log(`/healthz idle:        p50 ${fmt(percentile(idle, 50))}, p99 ${fmt(percentile(idle, 99))} (${idle.length} requests)`);
console.log(`/healthz under load:  p50 ${fmt(percentile(loaded, 50))}, p99 ${fmt(percentile(loaded, 99))} (${loaded.length} requests)`);
console.log(`/healthz p99 under load / idle: ${(percentile(loaded, 99) / percentile(idle, 99)).toFixed(2)}x`);
if (attempts.length === 0) process.exit(1);
