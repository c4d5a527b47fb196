import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { freePorts } from "./free-port.js";

test("freePorts hands out distinct ports that can be bound right after", async () => {
  const ports = await freePorts(40);
  assert.equal(new Set(ports).size, 40);
  for (const port of ports.slice(0, 5)) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
