import { randomBytes } from "node:crypto";
import { median, medianOf } from "../lib/percentiles.js";
import { describeMachine, type Machine } from "../lib/machine.js";
import { createCaller, type ClientKind, type EchoCaller } from "./clients.js";
import { serverStreaming, unaryConcurrent, unarySequential, type Measurement, type Timing } from "./scenarios.js";
import type { Impl } from "./server.js";
import { spawnEchoServer, type ServerProcess } from "./spawn-server.js";

export interface GrpcBenchOptions {
  /** Measured rounds; every round runs every variant, interleaved, and the median round is reported. */
  rounds: number;
  /** Unary calls (sequential and at full concurrency) per variant before measuring. */
  warmupCalls: number;
  sequentialCalls: number;
  concurrentCalls: number;
  concurrency: number;
  streamMessages: number;
  streamsPerRound: number;
  payloadBytes: number;
  /** Also measure raw client -> kit server and kit client -> raw server, to split the overhead by side. */
  attribute: boolean;
  /** Extra node flags for the server processes (e.g. --cpu-prof). */
  serverNodeArgs: string[];
  log?: (line: string) => void;
}

// Many short interleaved rounds rather than a few long ones: on a shared 2-core machine the load drifts
// within seconds, and each round compares variants measured moments apart.
export const fullOptions: GrpcBenchOptions = {
  rounds: 11,
  warmupCalls: 3000,
  sequentialCalls: 1000,
  concurrentCalls: 4000,
  concurrency: 32,
  streamMessages: 10_000,
  streamsPerRound: 1,
  payloadBytes: 100,
  attribute: false,
  serverNodeArgs: [],
};

export const quickOptions: GrpcBenchOptions = {
  ...fullOptions,
  rounds: 5,
  warmupCalls: 1500,
  sequentialCalls: 500,
  concurrentCalls: 2000,
  streamMessages: 5000,
};

export interface Variant {
  name: string;
  label: string;
  server: Impl;
  client: ClientKind;
}

export const baseline: Variant = { name: "raw", label: "raw grpc-js", server: "raw", client: "raw" };
const kitVariants: Variant[] = [
  { name: "kit", label: "kit (deadlines + retries)", server: "kit", client: "kit" },
  { name: "kit-bare", label: "kit (bare transport)", server: "kit", client: "kit-bare" },
  { name: "kit-full", label: "full kit (telemetry, tenant, breaker, default deadline)", server: "kit-full", client: "kit-full" },
  { name: "kit-full-grpc-js", label: "full kit on the grpc-js client (TICKMESH_GRPC_CLIENT=grpc-js)", server: "kit-full", client: "kit-full-grpc-js" },
];
const attributionVariants: Variant[] = [
  { name: "raw-client/kit-server", label: "kit server only (raw client)", server: "kit", client: "raw" },
  { name: "kit-client/raw-server", label: "kit client only (raw server)", server: "raw", client: "kit" },
];

/** Kit cost over raw: more latency at p50, or fewer operations per second. */
export function overhead(scenario: Scenario, raw: Measurement, kit: Measurement): number {
  return scenario.headline === "p50" ? kit.p50 / raw.p50 - 1 : raw.rate / kit.rate - 1;
}

export type ScenarioName = "unary-c1" | "unary-c32" | "server-stream";

export interface Scenario {
  name: ScenarioName;
  label: string;
  /** Which figure the overhead is computed from. */
  headline: "p50" | "rate";
  latencyUnit: "µs" | "ms";
  rateUnit: string;
}

export interface GrpcBenchResult {
  machine: Machine;
  options: Omit<GrpcBenchOptions, "log">;
  startedAt: string;
  durationS: number;
  variants: Variant[];
  scenarios: Scenario[];
  /**
   * results[scenario][variant]: the median of rounds, every round, and the overhead over raw: the median
   * of each round's ratio to raw measured in that same round (0 for raw itself).
   */
  results: Record<ScenarioName, Record<string, { median: Measurement; rounds: Measurement[]; overhead: number; cpuOverhead: number }>>;
}

export function scenariosFor(options: GrpcBenchOptions): Scenario[] {
  return [
    { name: "unary-c1", label: "unary, concurrency 1", headline: "p50", latencyUnit: "µs", rateUnit: "calls/s" },
    { name: "unary-c32", label: `unary, concurrency ${options.concurrency}`, headline: "rate", latencyUnit: "µs", rateUnit: "calls/s" },
    {
      name: "server-stream",
      label: `server stream, ${options.streamMessages.toLocaleString("en-US")} × ${options.payloadBytes} B`,
      headline: "rate",
      latencyUnit: "ms",
      rateUnit: "msgs/s",
    },
  ];
}

export async function runGrpcBench(options: GrpcBenchOptions): Promise<GrpcBenchResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const variants = [baseline, ...kitVariants, ...(options.attribute ? attributionVariants : [])];
  const scenarios = scenariosFor(options);
  const payload = new Uint8Array(randomBytes(options.payloadBytes));

  const servers = new Map<Impl, ServerProcess>();
  const callers = new Map<string, EchoCaller>();
  try {
    for (const impl of new Set(variants.map((v) => v.server))) servers.set(impl, await spawnEchoServer(impl, options.serverNodeArgs));
    for (const v of variants) callers.set(v.name, createCaller(v.client, servers.get(v.server)!.address, payload));

    const timing = (scenario: ScenarioName, caller: EchoCaller): Promise<Timing> => {
      switch (scenario) {
        case "unary-c1":
          return unarySequential(caller, options.sequentialCalls);
        case "unary-c32":
          return unaryConcurrent(caller, options.concurrentCalls, options.concurrency);
        case "server-stream":
          return serverStreaming(caller, options.streamMessages, options.streamsPerRound);
      }
    };

    const operations = (scenario: ScenarioName) =>
      scenario === "unary-c1" ? options.sequentialCalls : scenario === "unary-c32" ? options.concurrentCalls : options.streamMessages * options.streamsPerRound;
    const measure = async (scenario: ScenarioName, variant: Variant): Promise<Measurement> => {
      const server = servers.get(variant.server)!;
      const client0 = process.cpuUsage();
      const server0 = await server.cpuMicros();
      const result = await timing(scenario, callers.get(variant.name)!);
      const server1 = await server.cpuMicros();
      const client = process.cpuUsage(client0);
      return { ...result, cpuPerOp: (client.user + client.system + server1 - server0) / operations(scenario) };
    };

    log(`warm-up (${variants.map((v) => v.name).join(", ")})`);
    for (const v of variants) {
      const caller = callers.get(v.name)!;
      await unarySequential(caller, Math.ceil(options.warmupCalls / 2));
      await unaryConcurrent(caller, options.warmupCalls, options.concurrency);
      await serverStreaming(caller, options.streamMessages, 2);
    }

    const rounds = Object.fromEntries(scenarios.map((s) => [s.name, Object.fromEntries(variants.map((v) => [v.name, [] as Measurement[]]))])) as Record<
      ScenarioName,
      Record<string, Measurement[]>
    >;
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order so neither side always runs first (or right after the other's GC debt).
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const s of scenarios) {
        for (const v of order) rounds[s.name][v.name]!.push(await measure(s.name, v));
      }
      log(`round ${round + 1}/${options.rounds} done`);
    }

    const results = Object.fromEntries(
      scenarios.map((s) => [
        s.name,
        Object.fromEntries(
          variants.map((v) => {
            const own = rounds[s.name][v.name]!;
            const raw = rounds[s.name][baseline.name]!;
            return [
              v.name,
              {
                median: medianOf(own),
                rounds: own,
                overhead: median(own.map((m, i) => overhead(s, raw[i]!, m))),
                cpuOverhead: median(own.map((m, i) => m.cpuPerOp / raw[i]!.cpuPerOp - 1)),
              },
            ];
          }),
        ),
      ]),
    ) as unknown as GrpcBenchResult["results"];
    const { log: _log, ...recorded } = options;
    return {
      machine: describeMachine(),
      options: recorded,
      startedAt: new Date(started).toISOString(),
      durationS: (Date.now() - started) / 1000,
      variants,
      scenarios,
      results,
    };
  } finally {
    for (const caller of callers.values()) caller.close();
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}
