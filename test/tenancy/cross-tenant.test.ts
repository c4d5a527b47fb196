import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toJsonString, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { ColumnMappingSchema, FeedConfigSchema, FeedState, MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { createGrpcTransport, type ClosableTransport } from "../../lib/grpc/index.js";
import { runModules, type RunningProcess } from "../../lib/runner/index.js";
import { serviceModules } from "../../services/catalog.js";
import { ADMIN_TOKEN_HEADER } from "../../services/identity/caller.js";
import { probes, Setup, stateOfA, type Probe } from "./probes.js";

/**
 * Tenant B calls every tenant-scoped method of every service in the catalog on tenant A's resources.
 * Each call must be refused (NOT_FOUND or PERMISSION_DENIED) or answer without any of A's data, and
 * nothing B does may change what A sees. A method of the catalog without a probe fails the suite, so
 * a new service or method cannot slip past it.
 */

const ADMIN_TOKEN = "cross-tenant-operator-token-0123456789";
const A = "tenant-a";
const B = "tenant-b";
const fixtures = fileURLToPath(new URL("../fixtures/ticks", import.meta.url));

let dataDir: string;
let running: RunningProcess;
let transport: ClosableTransport;
let setup: Setup;

function client<S extends DescService>(service: S): Client<S> {
  return createClient(service, transport);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "tickmesh-tenancy-"));
  running = await runModules(serviceModules, serviceModules, {
    TICKMESH_GRPC_PORT: "0",
    TICKMESH_METRICS_PORT: "0",
    TICKMESH_LOG_LEVEL: "silent",
    TICKMESH_DATA_DIR: dataDir,
    TICKMESH_MARKETDATA_AUTOSTART: "none",
    TICKMESH_MARKETDATA_REPLAY_DIR: fixtures,
    TICKMESH_IDENTITY_ADMIN_TOKEN: ADMIN_TOKEN,
    TICKMESH_IDENTITY_SCRYPT_LOG_N: "10",
    TICKMESH_DEMO_TENANT: "false",
  });
  transport = createGrpcTransport({ address: `127.0.0.1:${running.grpcPort}` });

  // Fixed quotes for every tenant: a replay feed started by the platform operator, run to its end.
  const md = client(MarketDataService);
  const platform = { headers: { "x-tenant-id": "platform" } };
  const columns = create(ColumnMappingSchema, { symbol: "sym", eventTime: "ts", price: "px", size: "qty", bidPrice: "bid", bidSize: "bidqty", askPrice: "ask", askSize: "askqty", aggressor: "side" });
  await md.startFeed({ feedId: "quotes", config: create(FeedConfigSchema, { source: { case: "replay", value: { path: "aapl-msft-trades.csv", columns, speed: 0 } } }) }, platform);
  for (const until = Date.now() + 15_000; (await md.getFeed({ feedId: "quotes" }, platform)).state !== FeedState.COMPLETED; ) {
    if (Date.now() > until) throw new Error("replay feed did not complete");
    await new Promise((r) => setTimeout(r, 20));
  }
  setup = await Setup.create(client, { a: A, b: B, operator: { headers: { [ADMIN_TOKEN_HEADER]: ADMIN_TOKEN } } });
});

after(async () => {
  transport?.close();
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const methodsOfCatalog = (): { module: string; method: DescMethod; exempt: boolean }[] =>
  serviceModules.flatMap((m) =>
    m.services.flatMap((s) => s.methods.map((method) => ({ module: m.name, method, exempt: (m.tenant?.exemptMethods ?? []).includes(`${s.typeName}/${method.name}`) }))),
  );

test("every method of every service in the catalog has a cross-tenant probe", () => {
  const missing = methodsOfCatalog()
    .map(({ method }) => `${method.parent.typeName}/${method.name}`)
    .filter((name) => !probes.has(name));
  assert.deepEqual(missing, [], "add a probe to test/tenancy/probes.ts for each of these");
});

test("tenant B gets refusal or its own (empty) data from every method, never tenant A's", async () => {
  const before = await stateOfA(setup);
  assert.ok(before.includes(setup.markers.orderId), "A's state should show A's own order");
  const failures: string[] = [];
  for (const { method } of methodsOfCatalog()) {
    const name = `${method.parent.typeName}/${method.name}`;
    const probe = probes.get(name);
    if (!probe) continue;
    for (const call of probe(setup)) {
      const outcome = await invoke(method, call);
      const problem = judge(outcome, call.expect ?? "refused-or-own", setup.markers.all());
      if (problem) failures.push(`${name} ${call.label ?? ""}: ${problem}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(await stateOfA(setup), before, "B's calls changed what A sees");
});

type Outcome = { ok: true; json: string } | { ok: false; code: Code; message: string };

async function invoke(method: DescMethod, call: ReturnType<Probe>[number]): Promise<Outcome> {
  const c = client(method.parent) as unknown as Record<string, (req: unknown, opts: unknown) => unknown>;
  const options = { headers: call.headers ?? { "x-tenant-id": B }, timeoutMs: 5_000 };
  const output: DescMessage = method.output;
  try {
    if (method.methodKind === "server_streaming") {
      const parts: string[] = [];
      const abort = new AbortController();
      const stream = c[method.localName]!(call.request, { ...options, signal: abort.signal }) as AsyncIterable<never>;
      // A stream either fails or stays open: read what arrives within a window, long enough for a
      // refusal to arrive on a busy machine when one is expected.
      const timer = setTimeout(() => abort.abort(), call.expect === "refused" ? 15_000 : 1_000);
      try {
        for await (const item of stream) parts.push(toJsonString(output, item));
      } catch (err) {
        if (!(err instanceof ConnectError && err.code === Code.Canceled)) throw err;
      } finally {
        clearTimeout(timer);
      }
      return { ok: true, json: parts.join("\n") };
    }
    const response = await c[method.localName]!(call.request, options);
    return { ok: true, json: toJsonString(output, response as never) };
  } catch (err) {
    const e = ConnectError.from(err);
    return { ok: false, code: e.code, message: e.message };
  }
}

function judge(outcome: Outcome, expect: "refused" | "refused-or-own", markers: string[]): string | undefined {
  if (!outcome.ok) {
    if (outcome.code === Code.NotFound || outcome.code === Code.PermissionDenied || outcome.code === Code.Unauthenticated) return undefined;
    // Input B is not entitled to send is refused as such; anything else would mean the call reached A's data.
    if (expect === "refused-or-own" && (outcome.code === Code.InvalidArgument || outcome.code === Code.FailedPrecondition)) return undefined;
    return `unexpected ${Code[outcome.code]}: ${outcome.message}`;
  }
  if (expect === "refused") return `answered instead of refusing: ${outcome.json.slice(0, 300)}`;
  const leaked = markers.filter((m) => outcome.json.includes(m));
  return leaked.length > 0 ? `leaked ${leaked.join(", ")} in ${outcome.json.slice(0, 300)}` : undefined;
}
