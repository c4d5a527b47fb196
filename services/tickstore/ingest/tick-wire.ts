import { fromBinary } from "@bufbuild/protobuf";
import { TickSchema } from "../../../gen/tickmesh/common/v1/market_pb.js";
import { toStoredTick, type StoredTick } from "../stored-tick.js";

/**
 * Protobuf bytes of a `tickmesh.common.v1.Tick` -> StoredTick, the same result (and the same
 * InvalidTickError) as `toStoredTick(fromBinary(TickSchema, bytes))`. The common shape — known fields
 * once each, ASCII text, non-negative times and sequences below 2^53, plain decimals — is read straight
 * off the wire (fromBinary alone cost ~8 µs per tick, the largest share of ingest CPU); anything else
 * takes the generic path.
 */
export function decodeStoredTick(bytes: Uint8Array): StoredTick {
  return fastDecode(bytes) ?? toStoredTick(fromBinary(TickSchema, bytes));
}

const MAX_SAFE = 9007199254740991;
const MAX_SYMBOL = 64;
const SCALE_FACTOR = 100_000_000;
const NS_PER_S = 1_000_000_000n;
const FRACTION_WEIGHT = [1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 100, 10, 1];

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  /** A varint of at most 7 bytes (< 2^49... 2^53 checked by callers), or -1 when longer or truncated. */
  varint(end: number): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= end) return -1;
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * multiplier;
      if (b < 0x80) return result <= MAX_SAFE ? result : -1;
      multiplier *= 128;
    }
    return -1;
  }
}

function fastDecode(buf: Uint8Array): StoredTick | undefined {
  const r = new Reader(buf);
  const end = buf.length;
  let seen = 0;
  let symbol = "", venue = "", feed = "";
  let sequence = 0;
  let eventNs: bigint | undefined;
  let receiveNs: bigint | undefined;
  let aggressor = 0;
  const decimals: (bigint | null)[] = [null, null, null, null, null, null];
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag < 0) return undefined;
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field < 1 || field > 13) return undefined;
    const bit = 1 << field;
    if (seen & bit) return undefined; // repeated occurrence: merge semantics, leave to protobuf-es
    seen |= bit;
    if (field === 3 || field === 12) {
      if (wire !== 0) return undefined;
      const v = r.varint(end);
      if (v < 0 || (field === 12 && v > 0x7fffffff)) return undefined;
      if (field === 3) sequence = v;
      else aggressor = v;
      continue;
    }
    if (wire !== 2) return undefined;
    const len = r.varint(end);
    if (len < 0 || r.pos + len > end) return undefined;
    const start = r.pos;
    r.pos += len;
    if (field === 4 || field === 5) {
      const ns = timestampNs(buf, start, start + len);
      if (ns === undefined) return undefined;
      if (field === 4) eventNs = ns;
      else receiveNs = ns;
    } else if (field >= 6 && field <= 11) {
      if (len === 0) continue;
      const v = scaledDecimal(buf, start, start + len);
      if (v === undefined) return undefined;
      decimals[field - 6] = v;
    } else {
      const s = ascii(buf, start, start + len);
      if (s === undefined) return undefined;
      if (field === 1) symbol = s;
      else if (field === 2) venue = s;
      else feed = s;
    }
  }
  if (symbol === "" || symbol.length > MAX_SYMBOL || eventNs === undefined) return undefined;
  const [price, size, bidPrice, bidSize, askPrice, askSize] = decimals as [bigint | null, bigint | null, bigint | null, bigint | null, bigint | null, bigint | null];
  if ((price === null) !== (size === null)) return undefined;
  return { symbol, venue, sequence: BigInt(sequence), eventNs, receiveNs: receiveNs ?? eventNs, price, size, bidPrice, bidSize, askPrice, askSize, aggressor, feed };
}

/** google.protobuf.Timestamp with seconds in [0, 2^53) and nanos in [0, 1e9) -> epoch ns. */
function timestampNs(buf: Uint8Array, start: number, end: number): bigint | undefined {
  const r = new Reader(buf);
  r.pos = start;
  let seconds = 0;
  let nanos = 0;
  let seen = 0;
  while (r.pos < end) {
    const tag = r.varint(end);
    if (tag !== 8 && tag !== 16) return undefined;
    if (seen & tag) return undefined;
    seen |= tag;
    const v = r.varint(end);
    if (v < 0) return undefined;
    if (tag === 8) seconds = v;
    else if (v > 999_999_999) return undefined;
    else nanos = v;
  }
  return BigInt(seconds) * NS_PER_S + BigInt(nanos);
}

function ascii(buf: Uint8Array, start: number, end: number): string | undefined {
  let s = "";
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * A non-negative plain decimal ("101.25", "007", "0.10000000") scaled by 10^8, with parseScaled's limits
 * (<= 10 integer digits after leading zeros, <= 8 significant fraction digits); undefined otherwise.
 */
function scaledDecimal(buf: Uint8Array, start: number, end: number): bigint | undefined {
  let i = start;
  let integer = 0;
  let integerDigits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) break;
    if (integerDigits > 0 || c !== 0x30) integerDigits++;
    integer = integer * 10 + (c - 0x30);
  }
  if (i === start || integerDigits > 10) return undefined;
  let fraction = 0;
  let fractionDigits = 0;
  if (i < end) {
    if (buf[i] !== 0x2e || i + 1 === end) return undefined;
    let pendingZeros = 0;
    for (i++; i < end; i++) {
      const c = buf[i]!;
      if (c < 0x30 || c > 0x39) return undefined;
      if (c === 0x30) {
        pendingZeros++;
        continue;
      }
      if (fractionDigits + pendingZeros + 1 > 8) return undefined;
      for (; pendingZeros > 0; pendingZeros--) {
        fraction *= 10;
        fractionDigits++;
      }
      fraction = fraction * 10 + (c - 0x30);
      fractionDigits++;
    }
  }
  const scaledFraction = fraction * FRACTION_WEIGHT[fractionDigits]!;
  if (integer < 90_000_000) return BigInt(integer * SCALE_FACTOR + scaledFraction);
  return BigInt(integer) * 100_000_000n + BigInt(scaledFraction);
}
