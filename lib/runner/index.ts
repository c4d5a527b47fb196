export { runnerConfigSpec } from "./config.js";
export { createInfrastructure } from "./infrastructure.js";
export type { Infrastructure, InfrastructureConfig } from "./infrastructure.js";
export type { ModuleContext, ServiceModule } from "./module.js";
export { runModules } from "./run.js";
export type { RunningProcess } from "./run.js";
export { parseTargets, remoteAddress } from "./targets.js";
