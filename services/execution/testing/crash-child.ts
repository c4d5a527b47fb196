// A disposable execution process for the kill -9 test and the bench: execution + risk + a quote board,
// configured from the environment, printing "ready <port>" once it serves.
import { runModules } from "../../../lib/runner/index.js";
import { riskModule } from "../../risk/module.js";
import { executionModule } from "../module.js";
import { QuoteBoard } from "./quote-board.js";

const quotes = new QuoteBoard(process.env.TICKMESH_TOPIC_MARKET_TICKS ?? "market.ticks");
const modules = [quotes.module(), riskModule, executionModule];
const running = await runModules(modules, modules, process.env);
for (const symbol of (process.env.CHILD_SYMBOLS ?? "K").split(",")) {
  quotes.instrument(symbol);
  await quotes.set(symbol, { bid: "99.99", bidSize: "1000000", ask: "100", askSize: "1000000", last: "100" });
}
// A live feed for feed-quote runs: the same quote republished as ticks.
const tickMs = Number(process.env.CHILD_TICK_MS ?? "0");
if (tickMs > 0) {
  setInterval(() => {
    for (const symbol of (process.env.CHILD_SYMBOLS ?? "K").split(",")) void quotes.set(symbol, { bid: "99.99", bidSize: "1000000", ask: "100", askSize: "1000000", last: "100" });
  }, tickMs).unref();
}
process.stdout.write(`ready ${running.grpcPort} ${running.metricsPort}\n`);
process.on("SIGTERM", () => {
  void running.stop().then(() => process.exit(0));
});
