export { type Clock, type TimerHandle, SystemClock, systemClock, sleepOn } from "./clock.js";
export { ManualClock } from "./manual-clock.js";
