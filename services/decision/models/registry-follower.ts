import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { RegistryEventSchema } from "../../../gen/tickmesh/registry/v1/events_pb.js";
import type { EventBus, Subscription } from "../../../lib/eventbus/index.js";
import type { Logger } from "../../../lib/log/index.js";
import type { ModelCatalog } from "./model-catalog.js";

/**
 * Follows `registry.events`: every model an event names is refreshed (its traffic versions loaded, then
 * swapped in). A batch commits only after its refreshes finish; an unreachable registry fails the batch
 * so it is redelivered. On start, models already in the log are loaded in the background.
 */
export async function followRegistry(options: { bus: EventBus; topic: string; groupId: string; catalog: ModelCatalog; logger: Logger; partitions: number }): Promise<Subscription> {
  const { bus, topic, groupId, catalog, logger } = options;
  await bus.createTopics([{ topic, partitions: options.partitions }]);
  const refreshAll = async (keys: Map<string, [string, string]>, rethrow: boolean) => {
    await Promise.all([...keys.values()].map(async ([tenant, modelId]) => {
      try {
        await catalog.refresh(tenant, modelId);
      } catch (err) {
        logger.warn({ err, tenant, modelId }, "model refresh failed");
        if (rethrow && err instanceof ConnectError && err.code === Code.Unavailable) throw err;
      }
    }));
  };
  const keysOf = (values: Iterable<Uint8Array>) => {
    const keys = new Map<string, [string, string]>();
    for (const value of values) {
      try {
        const e = fromBinary(RegistryEventSchema, value);
        if (e.tenantId !== "" && e.modelId !== "") keys.set(`${e.tenantId}/${e.modelId}`, [e.tenantId, e.modelId]);
      } catch (err) {
        logger.warn({ err }, "undecodable registry event skipped");
      }
    }
    return keys;
  };
  // Subscribe first, then replay: every event is seen by one or the other (a refresh is idempotent).
  const subscription = await bus.subscribe({
    groupId,
    topics: [topic],
    retry: { initialMs: 200, maxMs: 5_000 },
    eachBatch: async (messages) => refreshAll(keysOf(messages.map((m) => m.value)), true),
  });
  void (async () => {
    const values: Uint8Array[] = [];
    for await (const m of bus.readFrom(topic, { fromBeginning: true })) values.push(m.value);
    await refreshAll(keysOf(values), false);
  })().catch((err) => logger.warn({ err }, "initial model load from registry events failed"));
  return subscription;
}
