import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, defineConfig, describeConfig, formatConfigTable, loadConfig, parseDuration } from "./index.js";

const spec = defineConfig({
  port: { env: "TICKMESH_GRPC_PORT", type: "int", min: 1, max: 65535, default: 50051, description: "gRPC listen port" },
  ratio: { env: "TICKMESH_RATIO", type: "number", min: 0, max: 1 },
  debug: { env: "TICKMESH_DEBUG", type: "bool", default: false },
  mode: { env: "TICKMESH_MODE", type: "enum", values: ["all", "mesh"], required: true },
  clickhouse: { env: "CLICKHOUSE_URL", type: "url", protocols: ["http", "https"] },
  timeout: { env: "TICKMESH_TIMEOUT", type: "duration", default: "5s", max: "1m" },
  brokers: { env: "KAFKA_BROKERS", type: "list", default: ["127.0.0.1:9092"] },
  listen: { env: "TICKMESH_LISTEN", type: "hostport", default: "127.0.0.1:0" },
  name: { env: "TICKMESH_NAME", type: "string", pattern: /^[a-z]+$/ },
  secret: { env: "TICKMESH_SECRET", type: "string", secret: true, minLength: 8 },
});

describe("loadConfig", () => {
  it("applies defaults and parses every type", () => {
    const c = loadConfig(spec, {
      TICKMESH_MODE: "mesh",
      TICKMESH_RATIO: "0.25",
      TICKMESH_DEBUG: "YES",
      CLICKHOUSE_URL: "http://127.0.0.1:8123",
      TICKMESH_TIMEOUT: "45s",
      KAFKA_BROKERS: " a:1, b:2 ,,",
      TICKMESH_LISTEN: "[::1]:7000",
      TICKMESH_NAME: "abc",
    });
    assert.equal(c.port, 50051);
    assert.equal(c.ratio, 0.25);
    assert.equal(c.debug, true);
    assert.equal(c.mode, "mesh");
    assert.equal(c.clickhouse, "http://127.0.0.1:8123");
    assert.equal(c.timeout, 45_000);
    assert.deepEqual(c.brokers, ["a:1", "b:2"]);
    assert.deepEqual(c.listen, { host: "::1", port: 7000 });
    assert.equal(c.name, "abc");
    assert.equal(c.secret, undefined);
    assert.ok(Object.isFrozen(c));
  });

  it("infers precise types (checked by tsc)", () => {
    const c = loadConfig(spec, { TICKMESH_MODE: "all" });
    // Defaults and required give non-optional types; enums keep their literals.
    const typed: { port: number; mode: "all" | "mesh"; listen: { port: number }; brokers: string[]; timeout: number } = c;
    // @ts-expect-error ratio has no default and is not required, so it may be undefined
    const ratio: number = c.ratio;
    // @ts-expect-error "other" is not one of the enum values
    const mode: "other" = c.mode;
    assert.equal(typed.mode, "all");
    assert.equal(ratio, undefined);
    assert.equal(mode, "all");
  });

  it("treats empty variables as unset and parses string defaults", () => {
    const c = loadConfig(spec, { TICKMESH_MODE: "all", TICKMESH_GRPC_PORT: "" });
    assert.equal(c.port, 50051);
    assert.equal(c.timeout, 5000);
    assert.deepEqual(c.listen, { host: "127.0.0.1", port: 0 });
    assert.deepEqual(c.brokers, ["127.0.0.1:9092"]);
  });

  it("reports every problem at once with name, value and expectation", () => {
    const env = {
      TICKMESH_GRPC_PORT: "abc",
      TICKMESH_RATIO: "1.5",
      TICKMESH_DEBUG: "maybe",
      CLICKHOUSE_URL: "ftp://x",
      TICKMESH_TIMEOUT: "2m",
      TICKMESH_LISTEN: "nohost",
      TICKMESH_NAME: "ABC",
      TICKMESH_SECRET: "short",
    };
    const err = (() => {
      try {
        loadConfig(spec, env);
      } catch (e) {
        return e;
      }
      assert.fail("expected ConfigError");
    })();
    assert.ok(err instanceof ConfigError);
    const messages = err.issues.map((i) => i.message);
    assert.deepEqual(messages, [
      `TICKMESH_GRPC_PORT="abc": expected an integer between 1 and 65535`,
      `TICKMESH_RATIO="1.5": expected a number between 0 and 1`,
      `TICKMESH_DEBUG="maybe": expected a boolean (true/false, 1/0, yes/no, on/off)`,
      `TICKMESH_MODE is required but not set: expected one of all, mesh`,
      `CLICKHOUSE_URL="ftp://x": expected a URL (http, https)`,
      `TICKMESH_TIMEOUT="2m": expected a duration (e.g. 250ms, 5s, 2m) <= 1m`,
      `TICKMESH_LISTEN="nohost": expected host:port with a port between 0 and 65535`,
      `TICKMESH_NAME="ABC": expected a string matching /^[a-z]+$/`,
      `TICKMESH_SECRET=<redacted>: expected a string of length >= 8`,
    ]);
    for (const m of messages) assert.ok(err.message.includes(m));
    assert.ok(!err.message.includes("short"), "secret values never appear");
    assert.equal(err.issues.find((i) => i.env === "TICKMESH_SECRET")?.value, undefined);
  });

  it("rejects non-integers, unsafe integers and out-of-range ports", () => {
    for (const bad of ["1.5", "0", "65536", "1e3", "99999999999999999999"]) {
      assert.throws(() => loadConfig(spec, { TICKMESH_MODE: "all", TICKMESH_GRPC_PORT: bad }), ConfigError, bad);
    }
    assert.equal(loadConfig(spec, { TICKMESH_MODE: "all", TICKMESH_GRPC_PORT: " 65535 " }).port, 65535);
  });

  it("throws a plain Error for a default that breaks its own spec", () => {
    const broken = defineConfig({ t: { env: "T", type: "duration", default: "soon" } });
    assert.throws(() => loadConfig(broken, {}), (e: unknown) => e instanceof Error && !(e instanceof ConfigError) && /T/.test(e.message));
  });
});

describe("parseDuration", () => {
  it("parses units and compounds, rejects junk", () => {
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("5s"), 5000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("0"), 0);
    for (const bad of ["", "5", "s", "5 s", "5x", "-1s", "5s!"]) assert.equal(parseDuration(bad), undefined, bad);
  });
});

describe("describeConfig", () => {
  it("lists every field with type, default and description", () => {
    const rows = describeConfig(spec);
    assert.equal(rows.length, Object.keys(spec).length);
    assert.deepEqual(rows[0], {
      name: "TICKMESH_GRPC_PORT",
      key: "port",
      type: "int (an integer between 1 and 65535)",
      default: "50051",
      required: false,
      description: "gRPC listen port",
    });
    const byName = new Map(rows.map((r) => [r.name, r]));
    assert.equal(byName.get("TICKMESH_TIMEOUT")?.default, "5s");
    assert.equal(byName.get("TICKMESH_MODE")?.required, true);
    assert.equal(byName.get("TICKMESH_LISTEN")?.default, "127.0.0.1:0");
    const table = formatConfigTable(rows);
    assert.match(table, /^\| variable \| type \| default \| description \|/);
    assert.match(table, /\| `TICKMESH_MODE` \| enum \(one of all, mesh\) \| \*required\* \|/);
    assert.equal(table.trim().split("\n").length, rows.length + 2);
  });
});
