import { BarInterval } from "../../gen/tickmesh/common/v1/market_pb.js";

const S = 1_000_000_000n;

/** Width of a bar interval in nanoseconds, undefined for UNSPECIFIED/unknown values. */
export function intervalNs(interval: BarInterval): bigint | undefined {
  switch (interval) {
    case BarInterval.BAR_INTERVAL_1S:
      return S;
    case BarInterval.BAR_INTERVAL_1M:
      return 60n * S;
    case BarInterval.BAR_INTERVAL_5M:
      return 300n * S;
    case BarInterval.BAR_INTERVAL_1H:
      return 3600n * S;
    case BarInterval.BAR_INTERVAL_1D:
      return 86_400n * S;
    default:
      return undefined;
  }
}
