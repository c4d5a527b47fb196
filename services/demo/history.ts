import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mulberry32 } from "../../lib/random/mulberry32.js";

/** One symbol of the history: where its path ends (the live feed's first price) and its price grid. */
export interface HistorySymbol {
  symbol: string;
  endPrice: number;
  /** Minimum price increment, e.g. 0.01. */
  tickSize: number;
}

export interface HistoryOptions {
  symbols: readonly HistorySymbol[];
  /** First tick time (ms); the history covers [startMs, endMs). */
  startMs: number;
  endMs: number;
  seed: number;
  /** Trade prints per second per symbol (each also carries the top of book). */
  ticksPerSecond?: number;
}

/** What was written, kept beside the file so a restart reuses it instead of writing another history. */
export interface HistoryMeta {
  file: string;
  symbols: string[];
  startMs: number;
  endMs: number;
  ticks: number;
  ticksPerSymbol: number;
  seed: number;
}

/** Column mapping of the file for marketdata's replay feed. */
export const HISTORY_COLUMNS = {
  symbol: "s",
  eventTime: "t",
  timeFormat: "unix_ms",
  price: "p",
  size: "q",
  bidPrice: "bp",
  bidSize: "bq",
  askPrice: "ap",
  askSize: "aq",
  sequence: "n",
  aggressor: "side",
} as const;

/** Per-step autocorrelation of returns: short-horizon momentum a model can learn from ret_1 / ret_5. */
const MOMENTUM = 0.3;
/** Standard deviation of the innovation per step (about 1.5 bp). */
const STEP_SIGMA = 1.5e-4;

function symbolSeed(seed: number, symbol: string): number {
  return createHash("sha256").update(`${seed}\0${symbol}`).digest().readUInt32BE(0);
}

function decimalsOf(step: number): number {
  const text = String(step);
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * A learnable synthetic history as NDJSON lines, in time order across symbols: returns follow an AR(1)
 * (momentum) process, and each symbol's path is shifted so it ends at `endPrice`, joining the live feed
 * without a jump. Sequences are startMs·1000 + row, below any sequence of a synthetic feed started later,
 * so tickstore's (symbol, sequence) never collides; the same options give the same file.
 */
export function generateHistory(o: HistoryOptions): { lines: string[]; ticksPerSymbol: number } {
  const perSecond = o.ticksPerSecond ?? 1;
  const stepMs = 1000 / perSecond;
  const steps = Math.floor((o.endMs - o.startMs) / stepMs);
  const paths = o.symbols.map((s) => {
    const random = mulberry32(symbolSeed(o.seed, s.symbol));
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const logs = new Float64Array(steps);
    const returns = new Float64Array(steps);
    let log = 0;
    let r = 0;
    for (let i = 0; i < steps; i++) {
      r = MOMENTUM * r + STEP_SIGMA * normal();
      log += r;
      logs[i] = log;
      returns[i] = r;
    }
    const shift = Math.log(s.endPrice) - log;
    const sizes = Array.from({ length: steps }, () => [1 + Math.floor(random() * 300), 1 + Math.floor(random() * 500), 1 + Math.floor(random() * 500)] as const);
    return { s, logs, returns, shift, sizes, decimals: decimalsOf(s.tickSize) };
  });
  const lines: string[] = [];
  let row = 0;
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < paths.length; k++) {
      const p = paths[k]!;
      const tick = p.s.tickSize;
      const price = Math.max(tick, Math.round(Math.exp(p.logs[i]! + p.shift) / tick) * tick);
      const half = Math.max(1, Math.round((price * 1e-4) / 2 / tick)) * tick;
      const [q, bq, aq] = p.sizes[i]!;
      const t = Math.floor(o.startMs + i * stepMs + (k * stepMs) / (paths.length + 1));
      lines.push(JSON.stringify({
        s: p.s.symbol,
        t: String(t),
        p: price.toFixed(p.decimals),
        q: String(q),
        bp: Math.max(tick, price - half).toFixed(p.decimals),
        bq: String(bq),
        ap: (price + half).toFixed(p.decimals),
        aq: String(aq),
        n: String(BigInt(Math.floor(o.startMs)) * 1000n + BigInt(row++)),
        side: p.returns[i]! >= 0 ? "buy" : "sell",
      }));
    }
  }
  return { lines, ticksPerSymbol: steps };
}

const FILE = "demo/history.ndjson";
const META = "demo/history.meta.json";

/** The history written by an earlier start, if it is complete. */
export async function readHistoryMeta(replayDir: string): Promise<HistoryMeta | undefined> {
  try {
    return JSON.parse(await readFile(join(replayDir, META), "utf8")) as HistoryMeta;
  } catch {
    return undefined;
  }
}

/** Writes the file, then its meta (each through a rename), and returns the meta; the path in it is relative to replayDir. */
export async function writeHistory(replayDir: string, o: HistoryOptions): Promise<HistoryMeta> {
  const { lines, ticksPerSymbol } = generateHistory(o);
  await mkdir(join(replayDir, "demo"), { recursive: true });
  await writeFile(join(replayDir, `${FILE}.tmp`), `${lines.join("\n")}\n`);
  await rename(join(replayDir, `${FILE}.tmp`), join(replayDir, FILE));
  const meta: HistoryMeta = { file: FILE, symbols: o.symbols.map((s) => s.symbol), startMs: o.startMs, endMs: o.endMs, ticks: lines.length, ticksPerSymbol, seed: o.seed };
  await writeFile(join(replayDir, `${META}.tmp`), JSON.stringify(meta, null, 2));
  await rename(join(replayDir, `${META}.tmp`), join(replayDir, META));
  return meta;
}
