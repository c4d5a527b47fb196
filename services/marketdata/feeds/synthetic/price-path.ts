import { Aggressor, type Tick } from "../../../../gen/tickmesh/common/v1/market_pb.js";
import { formatSteps, type Step } from "../../scaled.js";
import { makeTick, timestampFromMs } from "../../ticks.js";
import { Rng } from "./rng.js";

/** Parameters of the synthetic market, already defaulted (see syntheticParams). */
export interface SyntheticParams {
  seed: bigint;
  /** Simulated milliseconds between two ticks of one symbol. */
  stepMs: number;
  startMs: number;
  volatility: number;
  drift: number;
  regimeSwitchProbability: number;
  volatileRegimeMultiplier: number;
  jumpsPerDay: number;
  jumpStddev: number;
  spreadBps: number;
  intradayVolumeProfile: boolean;
}

export interface SyntheticSymbol {
  symbol: string;
  venue: string;
  tickSize: Step;
  lotSize: Step;
  initialPrice: number;
}

const TRADING_YEAR_MS = 252 * 6.5 * 3600 * 1000;
const SESSION_MS = 6.5 * 3600 * 1000;
const SESSION_OPEN_UTC_MS = 13.5 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
/** Mean notional of one trade print at the flat part of the volume profile. */
const MEAN_TRADE_NOTIONAL = 10_000;

/**
 * U-shaped intraday volume multiplier over the US equity session (13:30-20:00 UTC): about 3× at
 * the open and close, 0.6× at midday, 0.3× outside the session.
 */
export function volumeProfile(epochMs: number): number {
  const intoSession = (((epochMs - SESSION_OPEN_UTC_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  if (intoSession >= SESSION_MS) return 0.3;
  const x = (2 * intoSession) / SESSION_MS - 1;
  return 0.6 + 2.4 * x * x;
}

interface PathState {
  spec: SyntheticSymbol;
  rng: Rng;
  tick: number;
  logPrice: number;
  volatile: boolean;
  meanLots: number;
  feedName: string;
}

/**
 * Deterministic price paths: geometric Brownian motion with a two-state (calm/volatile) regime,
 * Poisson jumps, a quoted spread and a U-shaped intraday volume profile. Each symbol has its own
 * random stream derived from (seed, symbol), so adding a symbol does not change the others.
 * Ticks come round-robin over the symbols, one simulated step at a time.
 */
export class SyntheticPricePath {
  readonly #params: SyntheticParams;
  readonly #states: PathState[];
  #step = 0;
  #cursor = 0;

  constructor(symbols: readonly SyntheticSymbol[], params: SyntheticParams, feedName = "synthetic") {
    if (symbols.length === 0) throw new RangeError("a synthetic feed needs at least one symbol");
    this.#params = params;
    this.#states = symbols.map((spec) => {
      const tick = spec.tickSize.mantissa / 10 ** spec.tickSize.scale;
      const lot = spec.lotSize.mantissa / 10 ** spec.lotSize.scale;
      return {
        spec,
        rng: new Rng(params.seed, spec.symbol),
        tick,
        logPrice: Math.log(Math.max(spec.initialPrice, tick)),
        volatile: false,
        meanLots: Math.max(1, MEAN_TRADE_NOTIONAL / (spec.initialPrice * lot)),
        feedName,
      };
    });
  }

  get symbolCount(): number {
    return this.#states.length;
  }

  /** Simulated steps completed by every symbol. */
  get steps(): number {
    return this.#step;
  }

  /** The next `count` ticks. */
  next(count: number): Tick[] {
    const out: Tick[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.#nextTick();
    return out;
  }

  #nextTick(): Tick {
    const p = this.#params;
    const n = this.#states.length;
    const index = this.#cursor;
    const s = this.#states[index]!;
    const step = this.#step;
    if (++this.#cursor === n) {
      this.#cursor = 0;
      this.#step++;
    }
    const rng = s.rng;
    const eventMs = p.startMs + step * p.stepMs + (index * p.stepMs) / n;
    const profile = p.intradayVolumeProfile ? volumeProfile(eventMs) : 1;

    if (rng.next() < p.regimeSwitchProbability) s.volatile = !s.volatile;
    const sigma = p.volatility * (s.volatile ? p.volatileRegimeMultiplier : 1);
    const dt = p.stepMs / TRADING_YEAR_MS;
    s.logPrice += (p.drift - 0.5 * sigma * sigma) * dt + sigma * Math.sqrt(dt) * rng.normal();
    if (p.jumpsPerDay > 0 && rng.next() < (p.jumpsPerDay * p.stepMs) / SESSION_MS) s.logPrice += p.jumpStddev * rng.normal();

    const mid = Math.exp(s.logPrice) / s.tick;
    const spreadTicks = Math.max(1, Math.round((mid * p.spreadBps * (s.volatile ? 2 : 1)) / 10_000));
    const bid = Math.max(1, Math.floor(mid - spreadTicks / 2));
    const ask = bid + spreadTicks;
    const bidLots = 1 + Math.floor(rng.exponential(s.meanLots * 2));
    const askLots = 1 + Math.floor(rng.exponential(s.meanLots * 2));
    const trades = rng.next() < Math.min(0.95, 0.35 + 0.2 * profile);
    const buy = rng.next() < 0.5;
    const tradeLots = 1 + Math.floor(rng.exponential(s.meanLots * profile));
    const { tickSize, lotSize } = s.spec;
    return makeTick({
      symbol: s.spec.symbol,
      venue: s.spec.venue,
      sequence: BigInt(Math.floor(p.startMs) * 1000 + step),
      eventTime: timestampFromMs(eventMs),
      price: trades ? formatSteps(buy ? ask : bid, tickSize) : "",
      size: trades ? formatSteps(tradeLots, lotSize) : "",
      bidPrice: formatSteps(bid, tickSize),
      bidSize: formatSteps(bidLots, lotSize),
      askPrice: formatSteps(ask, tickSize),
      askSize: formatSteps(askLots, lotSize),
      aggressor: trades ? (buy ? Aggressor.BUY : Aggressor.SELL) : Aggressor.UNSPECIFIED,
      feed: s.feedName,
    });
  }
}
