import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

/** Enum value name without its prefix: enumLabel(OrderStatus, 4) → "FILLED". */
export function enumLabel(e: Record<number | string, string | number>, value: number): string {
  const name = e[value];
  return typeof name === "string" ? name.replace(/^(BAR_INTERVAL_)/, "") : String(value);
}

export function time(ts: Timestamp | undefined): string {
  return ts ? timestampDate(ts).toLocaleTimeString(undefined, { hour12: false }) : "";
}

export function dateTime(ts: Timestamp | undefined): string {
  return ts ? timestampDate(ts).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
}

/** Decimal strings are shown as the platform sent them; only trailing zeros after the point go. */
export function decimal(value: string): string {
  if (value === "") return "";
  return value.includes(".") ? value.replace(/0+$/, "").replace(/\.$/, "") : value;
}

/** Chart coordinates only: money stays a decimal string everywhere else. */
export function toNumber(value: string): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : NaN;
}

export function newId(prefix: string): string {
  const random = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${random}`;
}
