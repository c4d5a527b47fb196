import type { Client } from "@connectrpc/connect";
import type { ExecutionService, OrderUpdate } from "../../../gen/tickmesh/execution/v1/execution_pb.js";

/** Every order update of an account, read by resuming StreamOrderUpdates from its start up to the newest order change. */
export async function updatesOf(exec: Client<typeof ExecutionService>, accountId: string): Promise<OrderUpdate[]> {
  const { orders } = await exec.listOrders({ accountId, pageSize: 1000 });
  const newest = orders.reduce((max, o) => (o.version > max ? o.version : max), 0n);
  const out: OrderUpdate[] = [];
  if (newest === 0n) return out;
  for await (const u of exec.streamOrderUpdates({ accountId, afterSequence: 1n })) {
    out.push(u);
    if (u.sequence >= newest) break;
  }
  return out;
}
