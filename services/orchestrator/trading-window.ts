import type { Schedule } from "../../gen/tickmesh/orchestrator/v1/strategy_pb.js";

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formats.set(timeZone, f);
  }
  return f;
}

/** Throws RangeError for an unknown IANA zone. */
export function checkTimeZone(timeZone: string): void {
  formatFor(timeZone || "UTC");
}

/** Whether a bar close at timeMs falls in one of the schedule's trading windows (always, without windows). */
export function inTradingWindow(schedule: Schedule | undefined, timeMs: number): boolean {
  if (!schedule || schedule.windows.length === 0) return true;
  const parts = formatFor(schedule.timeZone || "UTC").formatToParts(new Date(timeMs));
  const weekday = WEEKDAYS[parts.find((p) => p.type === "weekday")?.value ?? ""] ?? 0;
  const hhmm = `${parts.find((p) => p.type === "hour")?.value}:${parts.find((p) => p.type === "minute")?.value}`;
  return schedule.windows.some((w) => (w.weekdays.length === 0 || w.weekdays.includes(weekday)) && (w.start === "" || hhmm >= w.start) && (w.end === "" || hhmm < w.end));
}
