import { ManualClock } from "../clock/manual-clock.js";
import { runCacheConformance } from "./conformance.js";
import { createEmbeddedCache } from "./embedded-cache.js";

runCacheConformance("embedded", () => {
  const clock = new ManualClock(1_700_000_000_000);
  return { cache: createEmbeddedCache({ clock }), advance: async (ms) => clock.advance(ms) };
});
