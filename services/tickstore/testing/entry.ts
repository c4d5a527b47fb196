// A process running only tickstore, for crash tests: `node --import tsx services/tickstore/testing/entry.ts`.
// Prints "tickstore ready <grpcPort>" once consuming; SIGTERM shuts down gracefully.
import { runModules } from "../../../lib/runner/index.js";
import { tickstoreModule } from "../module.js";

const running = await runModules([tickstoreModule], [tickstoreModule], process.env);
running.shutdown.installSignalHandlers();
process.stdout.write(`tickstore ready ${running.grpcPort}\n`);
