import { create } from "@bufbuild/protobuf";
import { Plan, QuotaSchema, type Quota } from "../../gen/tickmesh/identity/v1/identity_pb.js";

type QuotaFields = Omit<Quota, "$typeName" | "$unknown">;

const DEFAULTS: Record<Plan, QuotaFields> = {
  [Plan.UNSPECIFIED]: { requestsPerSecond: 10, burst: 20, maxAccounts: 1, maxStrategies: 2, maxApiKeys: 5, maxTrainingJobs: 1 },
  [Plan.FREE]: { requestsPerSecond: 10, burst: 20, maxAccounts: 1, maxStrategies: 2, maxApiKeys: 5, maxTrainingJobs: 1 },
  [Plan.PRO]: { requestsPerSecond: 100, burst: 200, maxAccounts: 10, maxStrategies: 20, maxApiKeys: 50, maxTrainingJobs: 4 },
  [Plan.ENTERPRISE]: { requestsPerSecond: 1000, burst: 2000, maxAccounts: 100, maxStrategies: 200, maxApiKeys: 500, maxTrainingJobs: 16 },
};

/** The plan's quotas with every non-zero override applied. */
export function effectiveQuota(plan: Plan, overrides: Quota | undefined): Quota {
  const base = DEFAULTS[plan] ?? DEFAULTS[Plan.FREE];
  const merged: QuotaFields = { ...base };
  if (overrides) {
    for (const k of Object.keys(base) as (keyof QuotaFields)[]) if (overrides[k] > 0) merged[k] = overrides[k];
  }
  return create(QuotaSchema, merged);
}
