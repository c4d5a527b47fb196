import type { ServiceModule } from "../lib/runner/index.js";
import { decisionModule } from "./decision/module.js";
import { executionModule } from "./execution/module.js";
import { featuresModule } from "./features/module.js";
import { identityModule } from "./identity/module.js";
import { marketdataModule } from "./marketdata/module.js";
import { orchestratorModule } from "./orchestrator/module.js";
import { portfolioModule } from "./portfolio/module.js";
import { registryModule } from "./registry/module.js";
import { riskModule } from "./risk/module.js";
import { tickstoreModule } from "./tickstore/module.js";
import { trainingModule } from "./training/module.js";

/**
 * Every service module this binary can run, in start order. `--target=all` runs all of them in one
 * process; `--target=<name>` runs one. Services join this list when they do real work.
 */
export const serviceModules: readonly ServiceModule[] = [
  identityModule,
  marketdataModule,
  tickstoreModule,
  featuresModule,
  riskModule,
  executionModule,
  portfolioModule,
  registryModule,
  trainingModule,
  decisionModule,
  orchestratorModule,
];
