import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";
import { createRpcMetrics, type RpcMetrics } from "./rpc-metrics.js";

export interface MetricConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramConfig<L extends string> extends MetricConfig<L> {
  buckets?: readonly number[];
}

export interface MetricsRegistryOptions {
  /** Added to every series as the `app` label (the `service` label is taken by RPC metrics). */
  service: string;
  /** Process metrics (CPU, memory, event loop lag, GC). Default true. */
  processMetrics?: boolean;
}

export interface MetricsRegistry {
  registry: Registry;
  rpc: RpcMetrics;
  /** Registers a counter, or returns the one already registered under that name. */
  counter<L extends string = string>(config: MetricConfig<L>): Counter<L>;
  gauge<L extends string = string>(config: MetricConfig<L>): Gauge<L>;
  histogram<L extends string = string>(config: HistogramConfig<L>): Histogram<L>;
}

type MetricClass<M> = abstract new (...args: never[]) => M;

function reuse<M>(registry: Registry, name: string, kind: MetricClass<M>): M | undefined {
  const existing: Metric | undefined = registry.getSingleMetric(name);
  if (existing === undefined) return undefined;
  if (existing instanceof kind) return existing;
  throw new Error(`metric ${name} is already registered as a different type`);
}

export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: options.service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const labelNames = <L extends string>(c: MetricConfig<L>): L[] => [...(c.labelNames ?? [])];
  return {
    registry,
    rpc: createRpcMetrics(registry),
    counter: (c) =>
      reuse(registry, c.name, Counter) ?? new Counter({ name: c.name, help: c.help, labelNames: labelNames(c), registers: [registry] }),
    gauge: (c) =>
      reuse(registry, c.name, Gauge) ?? new Gauge({ name: c.name, help: c.help, labelNames: labelNames(c), registers: [registry] }),
    histogram: (c) =>
      reuse(registry, c.name, Histogram) ??
      new Histogram({
        name: c.name,
        help: c.help,
        labelNames: labelNames(c),
        registers: [registry],
        ...(c.buckets ? { buckets: [...c.buckets] } : {}),
      }),
  };
}
