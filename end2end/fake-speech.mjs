// The call assistant's speech services on loopback for the end-to-end server, on one port:
//   - a Deepgram live recogniser (WebSocket /v1/listen, key "dg_e2e"): it hears speech in the
//     μ-law audio by its energy, says SpeechStarted when speech starts, an interim result after
//     200 ms of it, and after 300 ms of silence a final result with the next transcript of
//     SCRIPT (each connection starts from the first, and cycles);
//   - an ElevenLabs text-to-speech stream (POST /v1/text-to-speech/:voice/stream, key
//     "xi_e2e"): 16 bytes of quiet μ-law a byte of text, in three chunks.
// GET /_seen returns what it was asked to say and the recognisers' queries, for the tests.
// Usage: node fake-speech.mjs PORT
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const [port] = process.argv.slice(2);
const DEEPGRAM_KEY = "dg_e2e";
const ELEVENLABS_KEY = "xi_e2e";
const SCRIPT = ["Yes, sure.", "The second one."];
const FRAME = 160;

const said = [];
const streams = [];

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function mulawToLinear(byte) {
  const b = ~byte & 0xff;
  const sign = b & 0x80;
  const exponent = (b >> 4) & 0x07;
  const mantissa = b & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

/** Speech, by energy: a frame whose mean amplitude is well above the line's hiss. */
function isSpeech(frame) {
  let sum = 0;
  for (const b of frame) sum += Math.abs(mulawToLinear(b));
  return Math.trunc(sum / Math.max(frame.length, 1)) > 1000;
}

function results(transcript, isFinal, speechFinal, at) {
  return {
    type: "Results",
    channel_index: [0, 1],
    duration: 0.6,
    start: Math.max(0, at - 0.6),
    is_final: isFinal,
    speech_final: speechFinal,
    channel: { alternatives: [{ transcript, confidence: 0.97, words: [] }] },
    metadata: { request_id: "fake", model_uuid: "fake" },
  };
}

/** One recognition stream: the audio of one call. */
function hear(ws) {
  let next = 0;
  let speech = 0;
  let silence = 0;
  let interimSent = false;
  let seconds = 0;
  ws.on("message", (data, isBinary) => {
    if (!isBinary) {
      // KeepAlive keeps the stream open; CloseStream ends it.
      if (data.toString().includes("CloseStream")) ws.close(1000);
      return;
    }
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    const out = [];
    for (let i = 0; i < bytes.length; i += FRAME) {
      const frame = bytes.subarray(i, i + FRAME);
      seconds += frame.length / 8000;
      if (isSpeech(frame)) {
        if (speech === 0) out.push({ type: "SpeechStarted", channel: [0], timestamp: seconds });
        speech += frame.length;
        silence = 0;
        if (speech >= 1600 && !interimSent) {
          interimSent = true;
          out.push(results(SCRIPT[next % SCRIPT.length].split(/\s+/)[0], false, false, seconds));
        }
      } else if (speech > 0) {
        silence += frame.length;
        if (silence >= 2400) {
          out.push(results(SCRIPT[next % SCRIPT.length], true, true, seconds));
          next += 1;
          speech = 0;
          silence = 0;
          interimSent = false;
        }
      }
    }
    for (const message of out) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    }
  });
  ws.on("error", (e) => console.error(`fake-speech: a recognition stream: ${e.message}`));
}

/** ElevenLabs' streaming speech: quiet μ-law (a low hum, never taken for her speech). */
function speak(req, res, url, raw) {
  if (req.headers["xi-api-key"] !== ELEVENLABS_KEY) return send(res, 401, { detail: { status: "invalid_api_key" } });
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return send(res, 400, { detail: { status: "invalid_json" } });
  }
  if (url.searchParams.get("output_format") !== "ulaw_8000" || typeof body.model_id !== "string" || typeof body.text !== "string") {
    return send(res, 422, { detail: { status: "invalid_request" } });
  }
  const voice = decodeURIComponent(url.pathname.split("/")[3]);
  said.push({ voice, text: body.text });
  const total = Buffer.byteLength(body.text) * 16;
  const sizes = [Math.ceil(total / 3), Math.ceil(total / 3)];
  sizes.push(Math.max(0, total - sizes[0] - sizes[1]));
  // No content-length: the body goes chunked, as ElevenLabs streams it.
  res.writeHead(200, { "content-type": "audio/basic" });
  let i = 0;
  const write = () => {
    if (i < sizes.length) {
      res.write(Buffer.alloc(sizes[i++], 0xf0));
      setTimeout(write, 5);
    } else {
      res.end();
    }
  };
  write();
}

const http = createServer((req, res) => {
  const url = new URL(req.url, "http://fake");
  let raw = "";
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    if (url.pathname === "/_seen") return send(res, 200, { said, streams });
    if (req.method === "POST" && /^\/v1\/text-to-speech\/[^/]+\/stream$/.test(url.pathname)) return speak(req, res, url, raw);
    if (url.pathname === "/v1/listen") return send(res, 426, { err_msg: "a WebSocket upgrade is required" });
    send(res, 404, { detail: "Not found" });
  });
});

const wss = new WebSocketServer({ noServer: true });
const reject = (socket, status, reason) => {
  socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
};
http.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url, "http://fake");
  if (url.pathname !== "/v1/listen") return reject(socket, 404, "Not Found");
  if (req.headers.authorization !== `Token ${DEEPGRAM_KEY}`) return reject(socket, 401, "Unauthorized");
  const wanted = { encoding: "mulaw", sample_rate: "8000", interim_results: "true", vad_events: "true" };
  if (Object.entries(wanted).some(([k, v]) => url.searchParams.get(k) !== v) || !url.searchParams.get("model")) {
    return reject(socket, 400, "Bad Request");
  }
  streams.push(Object.fromEntries(url.searchParams));
  wss.handleUpgrade(req, socket, head, (ws) => hear(ws));
});
http.listen(Number(port), "127.0.0.1");
