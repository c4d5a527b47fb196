import { toBinary } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { TickSchema, type Tick } from "../../../gen/tickmesh/common/v1/market_pb.js";

/**
 * Protobuf wire encoding of a Tick, byte-for-byte what toBinary(TickSchema) writes, about ten
 * times faster: the publish path encodes every tick, and toBinary alone capped it near 140k/s.
 * Unknown fields or values outside the fast path (sequence above 2^53, times before 1970) fall
 * back to toBinary.
 */
export function encodeTick(tick: Tick): Uint8Array {
  const seq = tick.sequence;
  if (seq > 9007199254740991n || !fastTime(tick.eventTime) || !fastTime(tick.receiveTime) || (tick.$unknown !== undefined && tick.$unknown.length > 0)) {
    return toBinary(TickSchema, tick);
  }
  const sequence = Number(seq);
  const strings: [number, string][] = [];
  let size = 0;
  const str = (field: number, s: string) => {
    if (s === "") return;
    const n = utf8Length(s);
    size += 1 + varintSize(n) + n;
    strings.push([field, s]);
  };
  str(1, tick.symbol);
  str(2, tick.venue);
  if (sequence !== 0) size += 1 + varintSize(sequence);
  const eventLen = tick.eventTime ? timestampSize(tick.eventTime) : -1;
  if (eventLen >= 0) size += 1 + varintSize(eventLen) + eventLen;
  const receiveLen = tick.receiveTime ? timestampSize(tick.receiveTime) : -1;
  if (receiveLen >= 0) size += 1 + varintSize(receiveLen) + receiveLen;
  const firstTail = strings.length;
  str(6, tick.price);
  str(7, tick.size);
  str(8, tick.bidPrice);
  str(9, tick.bidSize);
  str(10, tick.askPrice);
  str(11, tick.askSize);
  if (tick.aggressor !== 0) size += 1 + varintSize(tick.aggressor);
  const feedAt = strings.length;
  str(13, tick.feed);

  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  const writeVarint = (v: number) => {
    while (v >= 0x80) {
      buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[pos++] = v;
  };
  const writeString = ([field, s]: [number, string]) => {
    buf[pos++] = (field << 3) | 2;
    const n = utf8Length(s);
    writeVarint(n);
    if (n === s.length) {
      for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    } else {
      pos += buf.write(s, pos, "utf8");
    }
  };
  const writeTimestamp = (field: number, ts: Timestamp, len: number) => {
    buf[pos++] = (field << 3) | 2;
    writeVarint(len);
    const seconds = Number(ts.seconds);
    if (seconds !== 0) {
      buf[pos++] = 0x08;
      writeVarint(seconds);
    }
    if (ts.nanos !== 0) {
      buf[pos++] = 0x10;
      writeVarint(ts.nanos);
    }
  };
  for (let i = 0; i < firstTail; i++) writeString(strings[i]!);
  if (sequence !== 0) {
    buf[pos++] = 0x18;
    writeVarint(sequence);
  }
  if (eventLen >= 0) writeTimestamp(4, tick.eventTime!, eventLen);
  if (receiveLen >= 0) writeTimestamp(5, tick.receiveTime!, receiveLen);
  for (let i = firstTail; i < feedAt; i++) writeString(strings[i]!);
  if (tick.aggressor !== 0) {
    buf[pos++] = 0x60;
    writeVarint(tick.aggressor);
  }
  for (let i = feedAt; i < strings.length; i++) writeString(strings[i]!);
  return buf;
}

function fastTime(ts: Timestamp | undefined): boolean {
  return ts === undefined || (ts.seconds >= 0n && ts.seconds <= 9007199254740991n && ts.nanos >= 0 && (ts.$unknown === undefined || ts.$unknown.length === 0));
}

function timestampSize(ts: Timestamp): number {
  const seconds = Number(ts.seconds);
  return (seconds !== 0 ? 1 + varintSize(seconds) : 0) + (ts.nanos !== 0 ? 1 + varintSize(ts.nanos) : 0);
}

/** UTF-8 byte length; ASCII (every price, size and symbol in practice) without calling into C++. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, "utf8");
  return s.length;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}
