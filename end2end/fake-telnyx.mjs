// A Telnyx on loopback for the end-to-end server: the messaging API, the number API (search,
// order, order status) and Call Control (dial, hang up, speak), answering as Telnyx's docs
// show. GET /_seen returns the texts it was sent, GET /_calls the calls it was asked to place,
// for the tests to read. Each call dialled is answered by a homeowner (see `homeowner` below)
// who talks to the server at SERVER_URL: signed call webhooks and the media WebSocket.
// Usage: node fake-telnyx.mjs PORT KEY SERVER_URL
import { createPrivateKey, randomBytes, randomUUID, sign } from "node:crypto";
import { createServer } from "node:http";
import WebSocket from "ws";

const [port, key, serverArg] = process.argv.slice(2);
const server = (serverArg ?? "").replace(/\/+$/, "");
const messages = [];
/** Every dial: { call_control_id, dial (the request's body), hangups, speaks, homeowner }. */
const calls = [];
const offered = new Set();
const sold = new Set();
let next = 0;

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const refuse = (res, status, detail) => send(res, status, { errors: [{ code: "10015", title: "Bad request", detail }] });

createServer((req, res) => {
  const url = new URL(req.url, "http://fake");
  let raw = "";
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    if (url.pathname === "/_seen") return send(res, 200, messages);
    if (url.pathname === "/_calls") return send(res, 200, calls.map(({ inbox, ...call }) => call));
    if (req.headers.authorization !== `Bearer ${key}`) return refuse(res, 401, "Authentication failed");
    let body;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return refuse(res, 400, "The request body is not JSON");
    }
    if (req.method === "POST" && url.pathname === "/v2/calls") return dial(res, body);
    const action = url.pathname.match(/^\/v2\/calls\/([^/]+)\/actions\/([a-z_]+)$/);
    if (req.method === "POST" && action) return callAction(res, decodeURIComponent(action[1]), action[2], body);
    if (req.method === "POST" && url.pathname === "/v2/messages") {
      messages.push(body);
      return send(res, 200, { data: { record_type: "message", id: `msg_${messages.length}`, to: [{ phone_number: body.to, status: "queued" }] } });
    }
    if (req.method === "GET" && url.pathname === "/v2/available_phone_numbers") {
      const area = url.searchParams.get("filter[national_destination_code]");
      if (!area) return refuse(res, 400, "a location filter is required");
      const data = [];
      for (let i = 0; i < 5; i++) {
        next += 1;
        const number = `+1${area}555${String(3000 + next).padStart(4, "0")}`;
        offered.add(number);
        data.push({
          record_type: "available_phone_number",
          phone_number: number,
          cost_information: { upfront_cost: "1.00000", monthly_cost: "1.00000", currency: "USD" },
          features: [{ name: "sms" }, { name: "voice" }],
          region_information: [{ region_type: "rate_center", region_name: "DALLAS" }],
        });
      }
      return send(res, 200, { data, meta: { total_results: data.length } });
    }
    if (req.method === "POST" && url.pathname === "/v2/number_orders") {
      const number = body.phone_numbers?.[0]?.phone_number;
      if (!offered.has(number) || sold.has(number)) return refuse(res, 422, "The phone number is not available");
      sold.add(number);
      return send(res, 200, { data: { id: `order-${sold.size}`, record_type: "number_order", status: "success", phone_numbers: [{ phone_number: number, status: "success" }] } });
    }
    if (req.method === "GET" && url.pathname.startsWith("/v2/number_orders/")) {
      return send(res, 200, { data: { id: url.pathname.split("/").pop(), record_type: "number_order", status: "success" } });
    }
    refuse(res, 404, "Not found");
  });
}).listen(Number(port), "127.0.0.1");

// ---- Call Control: dial, hang up, speak ----

function dial(res, body) {
  for (const field of ["connection_id", "to", "from", "stream_url", "client_state"]) {
    if (typeof body[field] !== "string") return refuse(res, 422, `${field} is required`);
  }
  const call = {
    call_control_id: `v3:${randomBytes(16).toString("hex")}`,
    dial: body,
    hangups: 0,
    speaks: [],
    homeowner: "dialled",
    inbox: inbox(),
  };
  calls.push(call);
  // She answers once the server has its answer to the dial.
  res.once("finish", () =>
    setTimeout(() =>
      homeowner(call).catch((e) => {
        call.homeowner = `failed: ${e.message}`;
        console.error(`fake-telnyx: the call ${call.call_control_id} failed: ${e.stack ?? e}`);
      }),
    50),
  );
  send(res, 200, {
    data: {
      call_control_id: call.call_control_id,
      call_leg_id: randomUUID(),
      call_session_id: randomUUID(),
      is_alive: false,
      record_type: "call",
    },
  });
}

function callAction(res, id, action, body) {
  const call = calls.find((c) => c.call_control_id === id);
  if (!call) return send(res, 422, { errors: [{ code: "90018", title: "Call has already ended", detail: "This call is no longer active" }] });
  if (action === "hangup") {
    call.hangups += 1;
    call.inbox.push({ type: "hangup" });
  } else if (action === "speak") {
    call.speaks.push(body);
  } else {
    return refuse(res, 404, "Not found");
  }
  send(res, 200, { data: { result: "ok" } });
}

// ---- The homeowner who answers ----

// The e2e server trusts this Telnyx key (TELNYX_PUBLIC_KEY in scripts/test.sh): seed 42 x 32,
// as in tests/sequences.spec.ts.
const telnyxKey = createPrivateKey({
  key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.alloc(32, 42)]),
  format: "der",
  type: "pkcs8",
});

/** μ-law silence, and 20 ms of μ-law at 8 kHz. */
const SILENCE = 0xff;
const FRAME = 160;

/** G.711 μ-law, as a phone line carries it. */
function linearToMulaw(sample) {
  let s = sample;
  let sign = 0;
  if (s < 0) {
    s = -s;
    sign = 0x80;
  }
  s = Math.min(s, 32635) + 0x84;
  let exponent = 7;
  let mask = 0x4000;
  while (exponent > 0 && (s & mask) === 0) {
    exponent -= 1;
    mask >>= 1;
  }
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** One answer: 0.6 s of a 200 Hz tone at amplitude 12000, as μ-law, in 160-byte frames. */
function answerFrames() {
  const audio = Buffer.alloc(4800);
  for (let i = 0; i < audio.length; i++) {
    audio[i] = linearToMulaw(Math.trunc(Math.sin((i * 2 * Math.PI * 200) / 8000) * 12000));
  }
  const frames = [];
  for (let i = 0; i < audio.length; i += FRAME) frames.push(audio.subarray(i, i + FRAME));
  return frames;
}

/** What the server did, in order: marks (with when they are due back), clears, hangups. */
function inbox() {
  const items = [];
  let wake = null;
  return {
    push(item) {
      items.push(item);
      if (wake) {
        const w = wake;
        wake = null;
        w();
      }
    },
    /** The next item, or null after `ms`. */
    async next(ms) {
      const end = Date.now() + ms;
      while (items.length === 0) {
        const left = end - Date.now();
        if (left <= 0) return null;
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, left);
        });
      }
      return items.shift();
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A URL the server gave (its origin from PUBLIC_URL), at the e2e server's real address. */
function atServer(given, scheme) {
  const path = new URL(given).pathname;
  return `${server.replace(/^http/, scheme)}${path}`;
}

/** Telnyx's signed call webhook to the server. */
async function event(call, eventType, extra) {
  const body = JSON.stringify({
    data: {
      id: randomUUID(),
      event_type: eventType,
      occurred_at: new Date().toISOString(),
      record_type: "event",
      payload: {
        call_control_id: call.call_control_id,
        client_state: call.dial.client_state,
        from: call.dial.from,
        to: call.dial.to,
        ...extra,
      },
    },
  });
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), telnyxKey).toString("base64");
  const target = call.dial.webhook_url ? atServer(call.dial.webhook_url, "http") : `${server}/webhooks/telnyx/calls`;
  const res = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json", "telnyx-signature-ed25519": signature, "telnyx-timestamp": timestamp },
    body,
  });
  if (res.status !== 200) throw new Error(`${eventType}: the server answered ${res.status} ${await res.text()}`);
}

/**
 * One call, as the homeowner lives it: she answers (a person, not a machine), and after each
 * of the assistant's first two turns (its mark, echoed once its audio has played) says an
 * answer; then she waits for the assistant to hang up (at most 15 s), and the call ends.
 */
async function homeowner(call) {
  if (!server) throw new Error("no SERVER_URL (the third argument): nobody answers");
  await event(call, "call.initiated", { direction: "outgoing", state: "parked" });
  await event(call, "call.answered", { state: "answered" });
  await event(call, "call.machine.detection.ended", { result: "human" });
  call.homeowner = "answered";

  const ws = new WebSocket(atServer(call.dial.stream_url, "ws"));
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.on("error", (e) => console.error(`fake-telnyx: the media stream of ${call.call_control_id}: ${e.message}`));
  const streamId = randomUUID();
  const out = (message) => ws.send(JSON.stringify(message));
  out({ event: "connected", version: "1.0.0" });
  out({
    event: "start",
    sequence_number: "1",
    stream_id: streamId,
    start: { call_control_id: call.call_control_id, media_format: { encoding: "PCMU", sample_rate: 8000, channels: 1 } },
  });

  // What the server sends: its audio plays at 8,000 bytes a second from when it arrives, so
  // a mark is due back once what came before it has played; a clear stops the playing.
  let playedUntil = Date.now();
  call.assistant_audio = 0;
  ws.on("message", (data, isBinary) => {
    if (isBinary) return;
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (frame.event === "media") {
      const bytes = Buffer.from(frame.media?.payload ?? "", "base64").length;
      call.assistant_audio += bytes;
      playedUntil = Math.max(playedUntil, Date.now()) + bytes / 8;
    } else if (frame.event === "mark") {
      call.inbox.push({ type: "mark", name: frame.mark?.name, at: Math.max(playedUntil, Date.now()) });
    } else if (frame.event === "clear") {
      playedUntil = Date.now();
      call.inbox.push({ type: "clear" });
    }
  });
  ws.on("close", () => call.inbox.push({ type: "closed" }));

  const echo = async (mark) => {
    await sleep(mark.at - Date.now());
    if (ws.readyState === WebSocket.OPEN) out({ event: "mark", stream_id: streamId, mark: { name: mark.name } });
  };
  const media = (bytes) =>
    out({ event: "media", stream_id: streamId, media: { track: "inbound", chunk: "1", timestamp: "0", payload: Buffer.from(bytes).toString("base64") } });

  let hungUpByApp = false;
  let ended = false;
  const frames = answerFrames();
  const silence = Buffer.alloc(FRAME, SILENCE);
  for (let answer = 0; answer < 2 && !ended; answer++) {
    // The assistant's turn: wait for its mark, or for it to hang up.
    for (;;) {
      const heard = await call.inbox.next(15_000);
      if (heard === null || heard.type === "closed" || heard.type === "hangup") {
        hungUpByApp = heard?.type === "hangup";
        ended = true;
        break;
      }
      if (heard.type === "mark") {
        await echo(heard);
        break;
      }
    }
    if (ended) break;
    for (const frame of frames) media(frame);
    for (let i = 0; i < 25; i++) media(silence);
    call.homeowner = `said answer ${answer + 1}`;
  }
  // Nothing left to say: wait for the assistant to finish (its marks echoed) and hang up.
  const deadline = Date.now() + 15_000;
  while (!ended) {
    const heard = await call.inbox.next(deadline - Date.now());
    if (heard === null) break;
    if (heard.type === "closed") {
      // The server closed the stream: its hangup command may be a moment behind.
      hungUpByApp = (await call.inbox.next(2_000))?.type === "hangup";
      break;
    }
    if (heard.type === "hangup") {
      hungUpByApp = true;
      break;
    }
    if (heard.type === "mark") await echo(heard);
  }
  call.hung_up_by_app = hungUpByApp;
  if (ws.readyState === WebSocket.OPEN) {
    out({ event: "stop", stream_id: streamId, stop: { call_control_id: call.call_control_id } });
    ws.close();
  }
  await event(call, "call.hangup", { hangup_cause: "normal_clearing", hangup_source: hungUpByApp ? "caller" : "callee" });
  call.homeowner = "ended";
}
