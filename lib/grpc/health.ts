import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";

export { ServingStatus };

/** The whole server is "" (empty service name), as grpc.health.v1 specifies. */
export const WHOLE_SERVER = "";

export interface HealthRegistry {
  readonly impl: Partial<ServiceImpl<typeof Health>>;
  set(service: string, status: ServingStatus): void;
  get(service: string): ServingStatus | undefined;
  /** Marks every service NOT_SERVING (on shutdown) and ends every Watch stream. */
  shutdown(): void;
}

/** grpc.health.v1.Health with Check, Watch (streams changes) and List. */
export function createHealthRegistry(): HealthRegistry {
  const statuses = new Map<string, ServingStatus>([[WHOLE_SERVER, ServingStatus.SERVING]]);
  const watchers = new Set<(service: string) => void>();
  const closed = new AbortController();

  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  function set(service: string, status: ServingStatus) {
    if (statuses.get(service) === status) return;
    statuses.set(service, status);
    for (const notify of watchers) notify(service);
  }

  const impl: Partial<ServiceImpl<typeof Health>> = {
    check(req) {
      const status = statuses.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return response(status);
    },
    async *watch(req, ctx) {
      let changed: (() => void) | undefined;
      const onChange = (service: string) => {
        if (service === req.service) changed?.();
      };
      watchers.add(onChange);
      try {
        let last: ServingStatus | undefined;
        while (!ctx.signal.aborted && !closed.signal.aborted) {
          const status = statuses.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN;
          if (status !== last) {
            last = status;
            yield response(status);
          }
          if ((statuses.get(req.service) ?? ServingStatus.SERVICE_UNKNOWN) !== last) continue;
          await new Promise<void>((resolve) => {
            changed = resolve;
            ctx.signal.addEventListener("abort", () => resolve(), { once: true });
            closed.signal.addEventListener("abort", () => resolve(), { once: true });
          });
        }
      } finally {
        watchers.delete(onChange);
      }
    },
    list() {
      return { statuses: Object.fromEntries([...statuses].map(([name, status]) => [name, response(status)])) };
    },
  };

  return {
    impl,
    set,
    get: (service) => statuses.get(service),
    shutdown() {
      for (const service of statuses.keys()) set(service, ServingStatus.NOT_SERVING);
      closed.abort();
    },
  };
}
