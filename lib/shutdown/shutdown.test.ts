import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { SHUTDOWN_PHASES, createShutdown, type ShutdownPhase } from "./index.js";

function recordingLogger() {
  const lines: Array<{ level: string; msg?: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("createShutdown", () => {
  it("runs phases in order regardless of registration order", async () => {
    const { logger } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000 });
    const order: string[] = [];
    for (const phase of [...SHUTDOWN_PHASES].reverse()) {
      s.register(phase, async () => {
        await sleep(5);
        order.push(phase);
      }, { phase });
    }
    s.register("default-phase", async () => void order.push("default-phase"));
    const result = await s.run("test");
    // The default phase is "close": it runs alongside the "close" hook, after everything else.
    assert.deepEqual(order.slice(0, 4), SHUTDOWN_PHASES.slice(0, 4));
    assert.deepEqual(order.slice(4).sort(), ["close", "default-phase"]);
    assert.deepEqual(result, { ok: true, failed: [], timedOut: [] });
  });

  it("runs hooks of one phase concurrently and waits for all before the next phase", async () => {
    const { logger } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000 });
    const events: string[] = [];
    let releaseA!: () => void;
    const aStarted = new Promise<void>((resolveStarted) => {
      s.register("a", () => {
        events.push("a:start");
        resolveStarted();
        return new Promise<void>((r) => (releaseA = () => { events.push("a:end"); r(); }));
      }, { phase: "drain" });
    });
    s.register("b", async () => {
      events.push("b:start");
      await aStarted;
      // b finishes only once a has started: with sequential hooks this would deadlock until the timeout.
      events.push("b:end");
      setImmediate(() => releaseA());
    }, { phase: "drain" });
    s.register("c", async () => void events.push("c"), { phase: "flush" });
    const result = await s.run("test");
    assert.equal(result.ok, true);
    assert.deepEqual(events, ["a:start", "b:start", "b:end", "a:end", "c"]);
  });

  it("abandons a phase after its timeout, carries on, and reports the hook", async () => {
    const { logger, lines } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000, phaseTimeoutMs: { drain: 50 } });
    const ran: string[] = [];
    s.register("stuck-server", () => new Promise<void>(() => {}), { phase: "drain" });
    s.register("quick", async () => void ran.push("quick"), { phase: "drain" });
    s.register("close-cache", async () => void ran.push("close-cache"), { phase: "close" });
    const result = await s.run("test");
    assert.deepEqual(ran, ["quick", "close-cache"]);
    assert.deepEqual(result, { ok: false, failed: [], timedOut: ["stuck-server"] });
    const warn = lines.find((l) => l.level === "warn");
    assert.deepEqual(warn?.obj.abandoned, ["stuck-server"]);
    assert.equal(warn?.obj.phase, "drain");
  });

  it("records failing hooks (async and sync throws) and still runs later phases", async () => {
    const { logger, lines } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000 });
    const ran: ShutdownPhase[] = [];
    s.register("producer", async () => { throw new Error("broker gone"); }, { phase: "flush" });
    s.register("sync-thrower", (() => { throw new Error("sync"); }) as () => Promise<void>, { phase: "flush" });
    s.register("consumer", async () => void ran.push("commit"), { phase: "commit" });
    const result = await s.run("test");
    assert.deepEqual(ran, ["commit"]);
    assert.equal(result.ok, false);
    assert.deepEqual([...result.failed].sort(), ["producer", "sync-thrower"]);
    assert.ok(lines.some((l) => l.level === "error" && l.obj.hook === "producer"));
  });

  it("is idempotent: a second run returns the same promise and hooks run once", async () => {
    const { logger } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000 });
    let calls = 0;
    s.register("once", async () => void calls++);
    const first = s.run("SIGTERM");
    const second = s.run("SIGINT");
    assert.equal(first, second);
    await first;
    assert.equal(s.run("again"), first);
    assert.equal(calls, 1);
  });

  it("unregister removes a hook; late registration for a finished phase is ignored", async () => {
    const { logger, lines } = recordingLogger();
    const s = createShutdown({ logger, timeoutMs: 1000 });
    const ran: string[] = [];
    const remove = s.register("removed", async () => void ran.push("removed"));
    s.register("late-register", async () => {
      s.register("too-late", async () => void ran.push("too-late"), { phase: "stop-accepting" });
      s.register("still-in-time", async () => void ran.push("still-in-time"), { phase: "close" });
    }, { phase: "drain" });
    remove();
    await s.run("test");
    assert.deepEqual(ran, ["still-in-time"]);
    assert.ok(lines.some((l) => l.level === "warn" && l.obj.hook === "too-late"));
  });
});

describe("signal handling in a child process", () => {
  const fixture = fileURLToPath(new URL("./fixtures/signal-child.ts", import.meta.url));

  async function runChild(mode: string, signal: NodeJS.Signals) {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes("ready\n")) resolve();
      });
      exited.then(() => reject(new Error(`child exited before ready: ${stderr}`)), reject);
    });
    child.kill(signal);
    const [code] = await exited;
    return { code, lines: stdout.trim().split("\n"), stderr };
  }

  it("SIGTERM runs the hooks in phase order and exits 0", async () => {
    const { code, lines, stderr } = await runChild("clean", "SIGTERM");
    assert.deepEqual(lines, ["ready", "stop-grpc", "drain-calls", "flush-producer", "commit-consumer", "close-db"], stderr);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /"reason":"SIGTERM"/);
  });

  it("SIGINT with a failing hook exits 1 after running the remaining phases", async () => {
    const { code, lines, stderr } = await runChild("fail", "SIGINT");
    assert.deepEqual(lines, ["ready", "stop-grpc", "drain-calls", "commit-consumer", "close-db"], stderr);
    assert.equal(code, 1);
  });

  it("a hook that never finishes is abandoned after the timeout and the process exits 1", async () => {
    const { code, lines, stderr } = await runChild("hang", "SIGTERM");
    assert.deepEqual(lines, ["ready", "stop-grpc", "flush-producer", "commit-consumer", "close-db"], stderr);
    assert.equal(code, 1);
    assert.match(stderr, /"abandoned":\["drain-calls"\]/);
  });
});
