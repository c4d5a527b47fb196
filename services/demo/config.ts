import { defineConfig } from "../../lib/config/index.js";

/** The demo's own settings. Whether it runs at all is decided by createDemoModule's default and TICKMESH_DEMO. */
export const demoConfigSpec = defineConfig({
  enabled: { env: "TICKMESH_DEMO", type: "bool", description: "Train a first model on synthetic history, promote it and paper-trade it for the demo tenant (default: on with --target=all, off otherwise)." },
  tenant: { env: "TICKMESH_DEMO_TENANT_ID", type: "string", default: "demo", description: "Tenant the demo trains and trades as (identity creates `demo` on a first embedded start)." },
  operator: { env: "TICKMESH_DEMO_OPERATOR", type: "string", default: "platform", description: "Feed-operator tenant the demo replays its history as (one of TICKMESH_MARKETDATA_FEED_OPERATORS)." },
  symbols: { env: "TICKMESH_DEMO_SYMBOLS", type: "list", default: ["AAPL", "MSFT", "NVDA", "SPY"], minItems: 1, maxItems: 20, description: "Symbols the demo history covers and its strategy trades." },
  history: { env: "TICKMESH_DEMO_HISTORY", type: "duration", default: "1h", min: "10m", max: "24h", description: "Length of the synthetic 1-second history written before the live feed's start." },
  replayDir: { env: "TICKMESH_MARKETDATA_REPLAY_DIR", type: "string", description: "marketdata's replay directory (default <data dir>/replay); the demo writes its history file there." },
});
