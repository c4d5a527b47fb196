// Measures the synthetic feed: generation alone, generation + validation + encoding, and the whole
// feed pipeline publishing to the embedded bus and (when KAFKA_BROKERS is set) to real Kafka.
// Run: node --import tsx services/marketdata/bench/synthetic-rate.ts [ticks]   (env PRODUCERS=2, BATCH=5000)
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Kafka, logLevel } from "kafkajs";
import { Registry, Counter } from "prom-client";
import { FeedConfigSchema } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { systemClock } from "../../../lib/clock/index.js";
import { createEmbeddedEventBus, createKafkaEventBus, type EventBus } from "../../../lib/eventbus/index.js";
import { createLogger } from "../../../lib/log/index.js";
import { loadCatalogFile } from "../catalog/instrument-catalog.js";
import { FeedManager } from "../feeds/feed-manager.js";
import { SyntheticPricePath } from "../feeds/synthetic/price-path.js";
import { encodeTick } from "../publish/tick-encoder.js";
import { TickPublisher } from "../publish/tick-publisher.js";
import { stepOf } from "../scaled.js";
import { TickValidator } from "../validation/tick-validator.js";

const N = Number(process.argv[2] ?? 1_000_000);
const catalog = loadCatalogFile(new URL("../instruments.json", import.meta.url).pathname);
const specs = catalog.entries().map((e) => ({
  symbol: e.instrument.symbol,
  venue: e.instrument.venue,
  tickSize: stepOf(e.tickSize),
  lotSize: stepOf(e.lotSize),
  initialPrice: e.referencePrice?.toNumber() ?? 100,
}));
const params = { seed: 1n, stepMs: 1, startMs: Date.now(), volatility: 0.3, drift: 0.05, regimeSwitchProbability: 0.0005, volatileRegimeMultiplier: 3, jumpsPerDay: 2, jumpStddev: 0.004, spreadBps: 2, intradayVolumeProfile: true };
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const rows: [string, number, string][] = [];

{
  const path = new SyntheticPricePath(specs, params);
  const t = performance.now();
  for (let done = 0; done < N; done += 4096) path.next(4096);
  rows.push(["generate (batch mode)", rate(N, performance.now() - t), `${specs.length} symbols`]);
}
{
  const path = new SyntheticPricePath(specs, params);
  const validator = new TickValidator((s) => catalog.has(s));
  let bytes = 0;
  const t = performance.now();
  for (let done = 0; done < N; done += 4096) for (const tick of path.next(4096)) if (validator.check(tick).ok) bytes += encodeTick(tick).length;
  rows.push(["generate + validate + encode", rate(N, performance.now() - t), `${(bytes / N).toFixed(0)} B/tick`]);
}

async function pipeline(label: string, bus: EventBus, topics: { ticks: string; quarantine: string }): Promise<void> {
  await bus.createTopics([{ topic: topics.ticks, partitions: 6 }, { topic: topics.quarantine, partitions: 6 }]);
  const logger = createLogger({ service: "bench", level: "warn" });
  let feeds: FeedManager | undefined;
  const publisher = new TickPublisher({
    producers: Array.from({ length: Number(process.env.PRODUCERS ?? 2) }, () => bus.producer()),
    clock: systemClock,
    logger,
    ticksTopic: topics.ticks,
    quarantineTopic: topics.quarantine,
    maxBatch: Number(process.env.BATCH ?? 5000),
    highWater: Number(process.env.BATCH ?? 5000) * 10,
    onDurable: (chunks) => chunks.forEach((c) => feeds!.recordDurable(c)),
  });
  feeds = new FeedManager({
    catalog,
    clock: systemClock,
    replayDir: tmpdir(),
    binanceUrl: "",
    allowedExchangeUrls: [],
    publisher,
    logger,
    quarantined: new Counter({ name: "q", help: "q", labelNames: ["feed", "reason"], registers: [new Registry()] }),
  });
  const t = performance.now();
  feeds.start("bench", create(FeedConfigSchema, { source: { case: "synthetic", value: { seed: 1n, ticksPerSecond: 0 } } }), "bench");
  while (feeds.get("bench").ticksPublished < BigInt(N)) await new Promise((r) => setTimeout(r, 5));
  const published = Number((await feeds.stop("bench")).ticksPublished);
  rows.push([`publish to ${label} (durable)`, rate(published, performance.now() - t), `${published} ticks, ${feeds.get("bench").ticksQuarantined} quarantined`]);
  await publisher.close();
  await bus.close();
}

const dir = mkdtempSync(join(tmpdir(), "md-bench-"));
await pipeline("embedded bus", createEmbeddedEventBus({ dataDir: dir, defaultPartitions: 6 }), { ticks: "market.ticks", quarantine: "market.ticks.quarantine" });
rmSync(dir, { recursive: true, force: true });

const brokers = process.env.KAFKA_BROKERS;
if (brokers) {
  const suffix = `${Date.now()}`;
  const topics = { ticks: `bench.market.ticks.${suffix}`, quarantine: `bench.market.ticks.quarantine.${suffix}` };
  await pipeline("Kafka (kafkajs, acks=all)", createKafkaEventBus({ brokers: brokers.split(","), clientId: "marketdata-bench" }), topics);
  const admin = new Kafka({ brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topics.ticks, topics.quarantine] });
  await admin.disconnect();
} else {
  rows.push(["publish to Kafka", 0, "skipped: KAFKA_BROKERS not set"]);
}

console.log(`marketdata synthetic feed, ${N} ticks, node ${process.version}, ${cpus().length}x ${cpus()[0]?.model ?? "cpu"}`);
console.log("| stage | ticks/s | note |\n|---|---:|---|");
for (const [stage, perSecond, note] of rows) console.log(`| ${stage} | ${perSecond.toLocaleString("en-US")} | ${note} |`);
