// A Telnyx on loopback for the end-to-end server: the messaging API and the number API
// (search, order, order status), answering as Telnyx's docs show. GET /_seen returns the texts
// it was sent, for the tests to read. Usage: node fake-telnyx.mjs PORT KEY
import { createServer } from "node:http";

const [port, key] = process.argv.slice(2);
const messages = [];
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
    if (req.headers.authorization !== `Bearer ${key}`) return refuse(res, 401, "Authentication failed");
    const body = raw ? JSON.parse(raw) : {};
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
