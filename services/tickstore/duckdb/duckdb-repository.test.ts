import { runTickRepositoryConformance } from "../conformance.js";
import { openDuckDbTickRepository } from "./duckdb-repository.js";

runTickRepositoryConformance("duckdb (embedded)", {
  open: () => openDuckDbTickRepository({ path: ":memory:" }),
  dispose: (repo) => repo.close(),
});
