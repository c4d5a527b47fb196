// Feature computation throughput (not a test). Run: node --import tsx services/features/bench/throughput.ts
import { cpus } from "node:os";
import { builtinFeatureSets } from "../feature-sets/builtin-feature-sets.js";
import { compileFeatureSet } from "../feature-sets/compile.js";
import { canonicalize, intervalMs } from "../feature-sets/definition.js";
import { OnlineFeatures } from "../online/online-features.js";
import { prng } from "../testing/bars.js";
import { randomBars, randomTicks } from "../testing/random-market.js";

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const sets = builtinFeatureSets().map((s) => ({ id: s.featureSetId, interval: s.interval, pipeline: compileFeatureSet(canonicalize(s.interval, s.features)) }));
const rows: string[][] = [["path", "items", "seconds", "throughput"]];

// Batch: the default set (14 features) folded over 500k bars.
const bars = randomBars(prng(1), 500_000);
const defaultSet = sets.find((s) => s.id === "default")!;
defaultSet.pipeline.batch(bars.slice(0, 10_000)); // warm the JIT
const batchSeconds = time(() => defaultSet.pipeline.batch(bars));
rows.push([`batch: "default" (${defaultSet.pipeline.names.length} features) over bars`, String(bars.length), batchSeconds.toFixed(3), `${Math.round(bars.length / batchSeconds).toLocaleString("en")} bars/s`]);

// Online: ticks of 20 symbols -> 1s and 1m bars -> all three built-in sets.
const symbols = Array.from({ length: 20 }, (_, i) => `SYM${i}`);
const perSymbol = 50_000;
const ticks = symbols.flatMap((s, i) => randomTicks(prng(100 + i), s, perSymbol, 1_700_000_000_000, 1_000));
ticks.sort((a, b) => Number(a.eventTime!.seconds - b.eventTime!.seconds) || a.eventTime!.nanos - b.eventTime!.nanos);
const online = new OnlineFeatures({ barHistory: 2_000, vectorHistory: 2_000 });
for (const s of sets) online.addFeatureSet(s.id, intervalMs(s.interval), s.pipeline);
const onlineSeconds = time(() => {
  for (const t of ticks) online.onTick(t);
});
rows.push([`online: ticks -> 1s/1m bars -> 3 built-in sets (${online.barsClosed.toLocaleString("en")} bars closed)`, String(ticks.length), onlineSeconds.toFixed(3), `${Math.round(ticks.length / onlineSeconds).toLocaleString("en")} ticks/s`]);

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}`);
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
