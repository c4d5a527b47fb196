import { performance } from "node:perf_hooks";
import { summarize, type Summary } from "../lib/percentiles.js";
import type { EchoCaller } from "./clients.js";

/** One round of one scenario: latency summary (µs, or ms for whole streams) and ops per second. */
export interface Measurement extends Summary {
  /** calls/s, or messages/s for streams. */
  rate: number;
  /**
   * CPU time (µs) client and server processes spent per call, or per message for streams. Unlike
   * latency it barely moves when other processes compete for the cores.
   */
  cpuPerOp: number;
}

/** A scenario's measurement before the CPU time is known. */
export type Timing = Omit<Measurement, "cpuPerOp">;

/** Sequential unary calls: latency of one call at a time. */
export async function unarySequential(caller: EchoCaller, calls: number): Promise<Timing> {
  const samples = new Float64Array(calls);
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await caller.unary();
    samples[i] = (performance.now() - t0) * 1000;
  }
  const elapsedS = (performance.now() - start) / 1000;
  return { ...summarize(samples), rate: calls / elapsedS };
}

/** `concurrency` workers sharing `calls` unary calls on one channel: throughput under load. */
export async function unaryConcurrent(caller: EchoCaller, calls: number, concurrency: number): Promise<Timing> {
  const samples = new Float64Array(calls);
  let issued = 0;
  const worker = async () => {
    while (issued < calls) {
      const i = issued++;
      const t0 = performance.now();
      await caller.unary();
      samples[i] = (performance.now() - t0) * 1000;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  return { ...summarize(samples), rate: calls / elapsedS };
}

/** `streams` server streams of `messages` each, one after another; latency is per whole stream in ms. */
export async function serverStreaming(caller: EchoCaller, messages: number, streams: number): Promise<Timing> {
  const samples = new Float64Array(streams);
  const start = performance.now();
  for (let i = 0; i < streams; i++) {
    const t0 = performance.now();
    const received = await caller.stream(messages);
    if (received !== messages) throw new Error(`stream ended after ${received} of ${messages} messages`);
    samples[i] = performance.now() - t0;
  }
  const elapsedS = (performance.now() - start) / 1000;
  return { ...summarize(samples), rate: (messages * streams) / elapsedS };
}
