import type { RestResult } from "../harness/edge-client.js";
import { checkOrders, checkPositions, type OrdersCheck, type PositionsCheck } from "../harness/invariants.js";
import { answered, INITIAL_CASH, type Scenario } from "../harness/scenario.js";
import type { FaultRow } from "./fault-table.js";

export interface Fault {
  name: string;
  /** One REST call through the edge that needs what was broken; its first answer after repair is recovery. */
  probe(): Promise<RestResult>;
  /** Breaks something (kill -9, stop a server). */
  inject(): Promise<void>;
  /** Repairs it and resolves once the repaired thing itself is up, with the ms that took. */
  repair(): Promise<number>;
  /** How long it stays broken before repair starts. */
  downMs: number;
}

export interface FaultOutcome {
  row: FaultRow;
  orders: OrdersCheck[];
  positions: PositionsCheck[];
  /** Failed calls in the outage window, for the report when something hangs. */
  failures: { op: string; ms: number; code: string | undefined }[];
  /** Why the repair itself failed (the process or server never served again). */
  repairError: string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one fault under the scenario's load: inject, keep probing through the edge, repair, wait for the
 * first answered probe, then pause trading and check every acknowledged order and every position.
 */
export async function runFault(scenario: Scenario, fault: Fault, options: { loadMs?: number; recoverTimeoutMs?: number } = {}): Promise<FaultOutcome> {
  await sleep(options.loadMs ?? 2000);
  const probes: RestResult[] = [];
  let probing = true;
  let repairedAt = Number.POSITIVE_INFINITY;
  let recoveredAt: number | undefined;
  const brokenAt = Date.now();
  await fault.inject();
  const prober = (async () => {
    while (probing) {
      const res = await fault.probe();
      probes.push(res);
      if (answered(res) && res.at >= repairedAt) {
        recoveredAt = res.at + res.ms;
        return;
      }
      await sleep(200);
    }
  })();
  await sleep(fault.downMs);
  let restartMs = -1;
  let repairError: string | undefined;
  try {
    restartMs = await fault.repair();
  } catch (err) {
    // Recorded, not thrown: the table shows it and the next faults still run.
    repairError = err instanceof Error ? err.message : String(err);
  }
  const servingAt = Date.now();
  // Only calls made after the repaired thing serves count: an answer without it would prove nothing.
  repairedAt = servingAt;
  const deadline = repairError ? Date.now() : Date.now() + (options.recoverTimeoutMs ?? 90_000);
  while (recoveredAt === undefined && Date.now() < deadline) await sleep(100);
  probing = false;
  await prober;
  const end = recoveredAt ?? Date.now();

  const failures = [
    ...probes.filter((p) => !answered(p)).map((p) => ({ op: "probe", ms: p.ms, code: p.code, at: p.at })),
    ...scenario.traders.calls.filter((c) => c.at >= brokenAt && c.at <= end && !c.ok && (c.code === "NETWORK" || c.code === "TIMEOUT" || c.code === "UNAVAILABLE" || c.code === "DEADLINE_EXCEEDED" || c.code === "INTERNAL" || c.code?.startsWith("HTTP_5"))).map((c) => ({ op: c.op, ms: c.ms, code: c.code, at: c.at })),
  ];

  const inWindow = [...probes, ...scenario.traders.calls].filter((c) => c.at >= brokenAt && c.at <= end);
  const slowestCallMs = Math.max(0, ...inWindow.map((c) => c.ms));

  await scenario.traders.pause();
  await scenario.traders.drain(30_000);
  const acked = [...scenario.traders.acked.values()];
  const orders: OrdersCheck[] = [];
  const positions: PositionsCheck[] = [];
  for (const t of scenario.tenants) {
    orders.push(await checkOrders(t.partner, acked.filter((a) => a.tenant === t.id)));
    positions.push(await checkPositions(t.partner, INITIAL_CASH));
  }
  scenario.traders.resume();

  const row: FaultRow = {
    fault: fault.name,
    recoveryMs: recoveredAt === undefined ? -1 : Math.round(recoveredAt - brokenAt),
    afterServingMs: recoveredAt === undefined ? -1 : Math.max(0, Math.round(recoveredAt - servingAt)),
    restartMs,
    slowestFailureMs: Math.max(0, ...failures.map((f) => f.ms)),
    slowestCallMs,
    failedCalls: failures.length,
    ordersAcked: orders.reduce((n, o) => n + o.acked, 0),
    ordersFound: orders.reduce((n, o) => n + o.found, 0),
    lost: orders.reduce((n, o) => n + o.lost.length, 0),
    duplicated: orders.reduce((n, o) => n + o.duplicated.length + o.mismatched.length, 0),
    positionMismatches: positions.reduce((n, p) => n + p.mismatches.length + p.duplicatedFills + (p.cash.reported === p.cash.replayed ? 0 : 1), 0),
  };
  return { row, orders, positions, failures: failures.map(({ op, ms, code }) => ({ op, ms, code })), repairError };
}
