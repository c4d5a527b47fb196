import type { ServiceModule } from "../lib/runner/index.js";

/**
 * Every service module this binary can run, in start order. `--target=all` runs all of them in one
 * process; `--target=<name>` runs one. Services join this list as their capability issues land
 * (marketdata and tickstore, then the trading core, then the AI services): none is registered
 * before it does real work.
 */
export const serviceModules: readonly ServiceModule[] = [];
