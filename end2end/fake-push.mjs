// A browser push service on loopback for the end-to-end server: it takes POST /push/<id> as a
// real one does (201) and keeps each message; GET /_seen returns them (headers, body in
// base64) for the tests to open with the browser's keys. Usage: node fake-push.mjs PORT
import { createServer } from "node:http";

const [port] = process.argv.slice(2);
const seen = [];

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const url = new URL(req.url, "http://fake");
    if (req.method === "GET" && url.pathname === "/_seen") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(seen));
    }
    if (req.method === "POST" && url.pathname.startsWith("/push/")) {
      seen.push({
        id: url.pathname.slice("/push/".length),
        encoding: req.headers["content-encoding"] ?? "",
        authorization: req.headers.authorization ?? "",
        body: Buffer.concat(chunks).toString("base64"),
      });
      res.writeHead(201);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
}).listen(Number(port), "127.0.0.1");
