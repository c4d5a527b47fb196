import { test } from "node:test";
import assert from "node:assert/strict";
import { createStore } from "./state.js";

test("listeners hear only the key they watch, and only when it changes", () => {
  const store = createStore({ symbol: "AAPL", account: "" });
  const heard: string[] = [];
  store.on("symbol", (s) => heard.push(`symbol=${s}`));
  store.on("account", (a) => heard.push(`account=${a}`));
  store.set({ symbol: "AAPL" });
  store.set({ account: "paper-1" });
  store.set({ symbol: "MSFT", account: "paper-1" });
  assert.deepEqual(heard, ["account=paper-1", "symbol=MSFT"]);
  assert.deepEqual(store.get(), { symbol: "MSFT", account: "paper-1" });
});
