import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { eventually, startPlatform, type Platform } from "./platform.js";

const run = promisify(execFile);

/** The sh block between the edge-curl markers of README.md. */
function readmeCurlBlock(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const m = /<!-- edge-curl:start -->\n```sh\n([\s\S]*?)```\n<!-- edge-curl:end -->/.exec(readme);
  assert.ok(m, "README.md has the edge-curl block");
  return m[1]!;
}

interface CurlRecord {
  args: string;
  status: number;
  body: string;
}

/**
 * Runs the README lines as written with the real curl, only pointed at this platform (port, data dir).
 * A shell function named curl wraps the real one to record each call's arguments, status and body,
 * without changing what the lines see (so `X=$(curl ... | sed ...)` still works).
 */
async function runReadme(p: Platform, block: string): Promise<CurlRecord[]> {
  const log = join(p.dataDir, "curl.log");
  writeFileSync(log, "");
  const script = [
    "set -euo pipefail",
    `curl() { local out; out=$(command curl -sS -w '\\n%{http_code}' "$@"); printf '%s\\n%s\\x1e' "$*" "$out" >> "$CURL_LOG"; printf '%s' "\${out%$'\\n'*}"; }`,
    block.replaceAll("127.0.0.1:8080", new URL(p.edge.url).host).replaceAll(".cache/data/", `${p.dataDir}/`),
  ].join("\n");
  await run("bash", ["-c", script], { env: { PATH: process.env.PATH, CURL_LOG: log }, timeout: 60_000 });
  return readFileSync(log, "utf8")
    .split("\x1e")
    .filter((r) => r !== "")
    .map((r) => {
      const lines = r.split("\n");
      return { args: lines[0]!, status: Number(lines.at(-1)), body: lines.slice(1, -1).join("\n") };
    });
}

describe("the edge in the all-in-one platform", () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform();
    // A partner reads the README after make run; here, wait until the synthetic feed has made a bar.
    await eventually(async () => {
      const res = await fetch(`${p.edge.url}/v1/bars/AAPL?interval=BAR_INTERVAL_1M`, { headers: { "x-api-key": p.apiKey } });
      const body = (await res.json()) as { bars?: unknown[] };
      return res.ok && (body.bars?.length ?? 0) > 0 ? true : undefined;
    });
  });
  after(() => p?.stop());

  test("README's curl lines all succeed with sane bodies", async () => {
    const block = readmeCurlBlock();
    const records = await runReadme(p, block);
    assert.equal(records.length, block.match(/\bcurl -s\b/g)!.length, "every curl line ran once");
    for (const r of records) assert.ok(r.status >= 200 && r.status < 300, `${r.args} -> ${r.status} ${r.body}`);
    const find = (pattern: RegExp) => {
      const r = records.find((x) => pattern.test(x.args));
      assert.ok(r, `a curl line matching ${pattern}`);
      return JSON.parse(r.body) as any;
    };
    assert.match(find(/\/v1\/auth\/token/).accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const quote = find(/\/v1\/quotes\/AAPL/).quote;
    assert.equal(quote.symbol, "AAPL");
    assert.match(quote.askPrice, /^\d+(\.\d+)?$/);
    assert.equal(find(/-X POST \S+\/v1\/accounts /).accountId, "main");
    const placed = find(/-X POST \S+\/v1\/orders /).order;
    assert.equal(placed.clientOrderId, "readme-1");
    assert.equal(placed.status, "ORDER_STATUS_FILLED", JSON.stringify(placed));
    const fetched = find(/\/v1\/orders\/[0-9a-f-]{36}$/);
    assert.equal(fetched.orderId, placed.orderId);
    const positions = find(/\/v1\/positions/).positions as any[];
    assert.deepEqual(positions.map((x) => [x.symbol, x.quantity]), [["AAPL", "10"]]);
    const bars = find(/\/v1\/bars\/AAPL/).bars as any[];
    assert.ok(bars.length > 0 && bars.every((b) => b.symbol === "AAPL" && Number(b.high) >= Number(b.low)));
  });

  test("a read-only key reads but may not trade or mint keys: 403 PERMISSION_DENIED / SCOPE_MISSING", async () => {
    const minted = await fetch(`${p.edge.url}/v1/api-keys`, {
      method: "POST",
      headers: { "x-api-key": p.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ displayName: "read only", scopes: ["SCOPE_READ"] }),
    });
    assert.equal(minted.status, 200);
    const readKey = ((await minted.json()) as { secret: string }).secret;
    const as = (init: RequestInit = {}) => ({ ...init, headers: { "x-api-key": readKey, "content-type": "application/json" } });

    assert.equal((await fetch(`${p.edge.url}/v1/quotes/AAPL`, as())).status, 200);
    const order = { accountId: "main", clientOrderId: "ro-1", symbol: "AAPL", side: "SIDE_BUY", type: "ORDER_TYPE_MARKET", quantity: "1" };
    const refused = await fetch(`${p.edge.url}/v1/orders`, as({ method: "POST", body: JSON.stringify(order) }));
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as any;
    assert.equal(body.code, "PERMISSION_DENIED");
    assert.equal(body.reason, "SCOPE_MISSING");
    assert.match(body.message, /PlaceOrder requires the trade scope/);
    const mint = await fetch(`${p.edge.url}/v1/api-keys`, as({ method: "POST", body: JSON.stringify({ scopes: ["SCOPE_TRADE"] }) }));
    assert.equal(mint.status, 403);
    // The same over Connect: the scope check sits before every protocol.
    const connect = await fetch(`${p.edge.url}/tickmesh.execution.v1.ExecutionService/PlaceOrder`, as({ method: "POST", body: JSON.stringify(order) }));
    assert.equal(connect.status, 403);
    assert.equal(((await connect.json()) as any).code, "permission_denied");
  });

  test("gRPC over h2c on the edge port, with the API key as metadata", async () => {
    const transport = createGrpcTransport({ baseUrl: p.edge.url });
    const client = createClient(MarketDataService, transport);
    const res = await client.getQuote({ symbol: "AAPL" }, { headers: { "x-api-key": p.apiKey } });
    assert.equal(res.quote?.symbol, "AAPL");
    const err = await client.getQuote({ symbol: "AAPL" }).catch((e: unknown) => e);
    assert.ok(err instanceof ConnectError);
    assert.equal(err.rawMessage, "send an x-api-key header or an Authorization: Bearer token");
  });

  test("/ serves the dashboard, or a page saying how to build it", async () => {
    const res = await fetch(`${p.edge.url}/`, { headers: { accept: "text/html" } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/html/);
    assert.match(await res.text(), /<html|<!doctype html/i);
  });
});
