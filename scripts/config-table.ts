// Prints the configuration table of README.md from the config specs, so the docs can't drift.
import { describeConfig, formatConfigTable } from "../lib/config/index.js";
import { runnerConfigSpec } from "../lib/runner/config.js";

process.stdout.write(formatConfigTable(describeConfig(runnerConfigSpec)) + "\n");
