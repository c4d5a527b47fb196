import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cpuPerRequest, processCpuMicros } from "./cpu.js";

describe("cpu accounting", () => {
  it("reads this process's CPU time and charges a busy loop to its requests", async (t) => {
    if (processCpuMicros(process.pid) === undefined) return t.skip("no /proc here");
    const { result, cpuMicrosPerRequest } = await cpuPerRequest({ self: process.pid, gone: 2 ** 22 + 7 }, async () => {
      // Spin for 200 ms of this process's own CPU time, however busy the machine is.
      const start = process.cpuUsage();
      for (;;) {
        const used = process.cpuUsage(start);
        if (used.user + used.system >= 200_000) break;
      }
      return { completed: 100 };
    });
    assert.equal(result.completed, 100);
    // 200 ms of spinning over 100 requests is about 2,000 µs each (clock ticks are 10 ms).
    assert.ok(cpuMicrosPerRequest.self! > 1500 && cpuMicrosPerRequest.self! < 3000, String(cpuMicrosPerRequest.self));
    assert.equal(cpuMicrosPerRequest.gone, undefined);
  });
});
