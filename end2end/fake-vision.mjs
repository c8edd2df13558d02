// An aerial image service and Anthropic's Messages API on loopback for the end-to-end server:
// GET /static?center=..&key=KEY answers a small PNG of "the roof"; POST /v1/messages answers
// as Claude does when made to use the roof tool (a tool_use block with the reading).
// Usage: node fake-vision.mjs PORT
import { createServer } from "node:http";

const [port] = process.argv.slice(2);
// A valid 1x1 PNG: what the lead page shows as the roof's image.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const url = new URL(req.url, "http://fake");
    if (req.method === "GET" && url.pathname === "/static") {
      res.writeHead(200, { "content-type": "image/png" });
      return res.end(PNG);
    }
    if (req.method === "POST" && url.pathname === "/v1/messages") {
      const body = JSON.parse(Buffer.concat(chunks).toString() || "{}");
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({
        id: "msg_e2e", type: "message", role: "assistant", model: body.model,
        content: [{ type: "tool_use", id: "toolu_e2e", name: body.tool_choice?.name,
                    input: { condition: 18, findings: ["missing_shingles", "tarps"], confidence: 85 } }],
        stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 1500, output_tokens: 50 },
      }));
    }
    res.writeHead(404);
    res.end();
  });
}).listen(Number(port), "127.0.0.1");
