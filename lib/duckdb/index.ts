export { openDuckDb, type DuckDb, type DuckDbOptions, type DuckRow } from "./database.js";
export { applyDuckMigrations, type DuckMigration } from "./migrations.js";
export { duckIdentifier, duckInt, duckString } from "./sql.js";
