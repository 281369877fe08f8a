/**
 * The dependency floor: the same work as one lifecycle with the same dependencies and no chart.
 * Imports xstate, undici and eventsource-parser, opens /watch with undici and parses it with
 * eventsource-parser; on `connected` it posts the register with undici; then it holds the
 * stream open. Run: node --expose-gc floor.mjs <agent url>
 */
import { createParser } from "eventsource-parser";
import { Pool, request } from "undici";
import "xstate";
import { importsDone, reportMemory } from "./report-memory.mjs";

importsDone(); // static imports: evaluated before this line runs

const url = process.argv[2];
const pool = new Pool(url, { connections: 4 });
const body = JSON.stringify({
  app_id: "10001",
  app_name: "auth",
  name: "auth",
  namespace: "default",
  port: 9090,
  dns: "auth.default.svc.cluster.local",
  env: "prod",
  weight: 100,
  protocol: "grpc",
  kernel: { language: "Node.js", version: process.version },
  methods: ["/acme.auth.v1.AuthService/Login"],
  version: "v1.0.0",
});

async function register() {
  const response = await pool.request({
    method: "POST",
    path: "/register",
    headers: { "content-type": "application/json" },
    body,
  });
  JSON.parse(await response.body.text());
  reportMemory();
}

const watch = await request(`${url}/watch`, { headers: { accept: "text/event-stream" }, bodyTimeout: 0 });
const parser = createParser({
  onEvent(frame) {
    if (frame.event === "connected") register();
  },
});
const decoder = new TextDecoder();
for await (const chunk of watch.body) parser.feed(decoder.decode(chunk, { stream: true }));
