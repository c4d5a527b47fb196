/** One sample of an account's equity curve. Money is exact decimal strings; the NAV index is a statistic. */
export interface EquitySample {
  tenant: string;
  account: string;
  /** Epoch ms; (tenant, account, timeMs) is unique: writing it again replaces the sample. */
  timeMs: number;
  equity: string;
  cash: string;
  marketValue: string;
  realizedPnl: string;
  unrealizedPnl: string;
  netDeposits: string;
  /** Time-weighted NAV index (1 at the first sample) and its running peak. */
  index: number;
  peakIndex: number;
  /** 1 - index / peakIndex, as a decimal string. */
  drawdown: string;
}

export interface EquityRange {
  tenant: string;
  account: string;
  /** [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** When > 0: only the last sample of each epoch-aligned bucket of this width. */
  bucketMs?: number;
  limit: number;
}

/** The equity-curve store: ClickHouse in the mesh, embedded DuckDB in `make run`. */
export interface EquityStore {
  /** Upserts by (tenant, account, timeMs); resolves once durable. */
  write(samples: readonly EquitySample[]): Promise<void>;
  /** Samples in the range, oldest first, at most `limit`. */
  read(range: EquityRange): Promise<EquitySample[]>;
  /** The newest sample strictly before `beforeMs` (default: any), or undefined. */
  latest(tenant: string, account: string, beforeMs?: number): Promise<EquitySample | undefined>;
  close(): Promise<void>;
}

export const SAMPLE_COLUMNS = ["equity", "cash", "market_value", "realized_pnl", "unrealized_pnl", "net_deposits", "twr_index", "peak_index", "drawdown"] as const;

/** A stored row (column names as in both stores; Int64 may arrive as a string) back into a sample. */
export function sampleFromRow(tenant: string, account: string, row: Record<string, unknown>): EquitySample {
  return {
    tenant,
    account,
    timeMs: Number(row.ts),
    equity: String(row.equity),
    cash: String(row.cash),
    marketValue: String(row.market_value),
    realizedPnl: String(row.realized_pnl),
    unrealizedPnl: String(row.unrealized_pnl),
    netDeposits: String(row.net_deposits),
    index: Number(row.twr_index),
    peakIndex: Number(row.peak_index),
    drawdown: String(row.drawdown),
  };
}
