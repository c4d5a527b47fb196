import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export type RpcSide = "server" | "client";

export interface RpcObservation {
  side: RpcSide;
  /** Fully qualified gRPC service, e.g. "tickmesh.marketdata.v1.MarketDataService". */
  service: string;
  method: string;
  /** gRPC status code name, e.g. "OK", "UNAVAILABLE". */
  code: string;
  seconds: number;
}

export interface RpcMetrics {
  /** Records the call duration; also counts an error when code is not "OK". */
  observe(o: RpcObservation): void;
  /** Marks a call in flight; the returned function (safe to call more than once) marks it done. */
  inflight(side: RpcSide, service: string, method: string): () => void;
}

/** Sub-millisecond in-process calls up to multi-second streams and timeouts. */
export const RPC_DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const LABELS = ["side", "service", "method", "code"] as const;

export function createRpcMetrics(registry: Registry): RpcMetrics {
  const duration = new Histogram({
    name: "tickmesh_rpc_duration_seconds",
    help: "gRPC call duration in seconds, by side, service, method and status code",
    labelNames: LABELS,
    buckets: [...RPC_DURATION_BUCKETS],
    registers: [registry],
  });
  const errors = new Counter({
    name: "tickmesh_rpc_errors_total",
    help: "gRPC calls that ended with a status other than OK",
    labelNames: LABELS,
    registers: [registry],
  });
  const inflight = new Gauge({
    name: "tickmesh_rpc_inflight",
    help: "gRPC calls currently in flight",
    labelNames: ["side", "service", "method"] as const,
    registers: [registry],
  });
  return {
    observe({ side, service, method, code, seconds }) {
      const labels = { side, service, method, code };
      duration.observe(labels, seconds);
      if (code !== "OK") errors.inc(labels);
    },
    inflight(side, service, method) {
      const labels = { side, service, method };
      inflight.inc(labels);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inflight.dec(labels);
      };
    },
  };
}
