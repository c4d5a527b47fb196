import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine, formatMachine } from "../lib/machine.js";
import { summarize, type Summary } from "../lib/percentiles.js";
import { formatNumber, markdownTable } from "../lib/table.js";
import { journalBaseline, kafkaProduceBaseline } from "./baselines.js";
import { runScenario, type Scenario, type ScenarioResult } from "./run.js";

// node --import tsx bench/orders/main.ts [--quick] [--embedded-only] [--out=path]
// Real Kafka/Redis legs use KAFKA_BROKERS and REDIS_URL (eval "$(bash scripts/infra/env.sh)").
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const embeddedOnly = args.includes("--embedded-only") || !process.env.KAFKA_BROKERS;
const out = args.find((a) => a.startsWith("--out="))?.slice(6) ?? fileURLToPath(new URL("../../.cache/bench/orders.json", import.meta.url));
const log = (line: string) => process.stderr.write(`[bench/orders] ${line}\n`);

const n = quick ? 500 : 3000;
const warmup = quick ? 200 : 500;
// Quotes from the tick feed (republished every 50 ms) instead of a GetQuote call per order.
const feedQuotes = { TICKMESH_EXECUTION_FEED_QUOTE_MAX_AGE: "250ms", CHILD_TICK_MS: "50" };
const scenarios: Scenario[] = [
  { name: "embedded, 1 in flight", infra: "embedded", concurrency: 1, orders: n, warmup },
  { name: "embedded, 1 in flight, feed quotes", infra: "embedded", concurrency: 1, orders: n, warmup, env: feedQuotes },
  { name: "embedded, 16 in flight", infra: "embedded", concurrency: 16, orders: n * 2, warmup },
];
if (!embeddedOnly) {
  scenarios.push(
    { name: "real Kafka + Redis, 1 in flight", infra: "real", concurrency: 1, orders: n, warmup },
    { name: "real Kafka + Redis, 1 in flight, feed quotes", infra: "real", concurrency: 1, orders: n, warmup, env: feedQuotes },
    { name: "real Kafka + Redis, 16 in flight", infra: "real", concurrency: 16, orders: n * 2, warmup },
  );
}

const results: ScenarioResult[] = [];
for (const s of scenarios) results.push(await runScenario(s, log));
const baselines: { name: string; ms: Summary }[] = [{ name: "embedded journal append + fdatasync", ms: summarize(await journalBaseline(n, warmup)) }];
if (!embeddedOnly) {
  baselines.push({ name: "bare kafkajs produce, idempotent, acks=all", ms: summarize(await kafkaProduceBaseline((process.env.KAFKA_BROKERS ?? "").split(","), n, warmup)) });
}

const ms = (v: number) => formatNumber(v, 3);
const lines = [
  `PlaceOrder through gRPC (validation, quote, risk CheckOrder over gRPC with limits + order-rate token bucket, durable trade events) — ${formatMachine(describeMachine())}`,
  "",
  markdownTable(
    ["path", "in flight", "orders", "orders/s", "p50 ms", "p99 ms", "p99.9 ms", "goal p99"],
    results.map((r) => [r.name, String(r.concurrency), String(r.orders), formatNumber(r.ordersPerSecond, 0), ms(r.latencyMs.p50), ms(r.latencyMs.p99), ms(r.latencyMs.p999), r.concurrency === 1 ? "< 1.2 ms" : ""]),
  ),
  "",
  markdownTable(
    ["path", "quote ms", "risk ms", "durable append ms", "server total ms", "client round trip ms"],
    results.map((r) => [r.name, ms(r.stagesMs.quote ?? NaN), ms(r.stagesMs.risk ?? NaN), ms(r.stagesMs.append ?? NaN), ms(r.stagesMs.total ?? NaN), ms(r.latencyMs.mean)]),
  ),
  "(means per order inside the execution process)",
  "",
  markdownTable(
    ["baseline (same run)", "p50 ms", "p99 ms"],
    [
      ...results.filter((r) => r.readMs).map((r) => [`gRPC GetBalance round trip (${r.infra})`, ms(r.readMs!.p50), ms(r.readMs!.p99)]),
      ...baselines.map((b) => [b.name, ms(b.ms.p50), ms(b.ms.p99)]),
    ],
  ),
];
process.stdout.write(`${lines.join("\n")}\n`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ machine: describeMachine(), results, baselines }, null, 2)}\n`);
log(`wrote ${out}`);
