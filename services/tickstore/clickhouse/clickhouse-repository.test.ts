import { randomUUID } from "node:crypto";
import { createClickHouseClient, identifier, sql } from "../../../lib/clickhouse/index.js";
import type { TickRepository } from "../repository.js";
import { runTickRepositoryConformance } from "../conformance.js";
import { openClickHouseTickRepository } from "./clickhouse-repository.js";

const url = process.env.CLICKHOUSE_URL;
const databases = new Map<TickRepository, string>();

runTickRepositoryConformance(
  "clickhouse",
  {
    async open() {
      const database = `tickstore_conf_${randomUUID().replaceAll("-", "")}`;
      const repo = await openClickHouseTickRepository({ url: url!, database });
      databases.set(repo, database);
      return repo;
    },
    async dispose(repo) {
      await repo.close();
      const admin = createClickHouseClient({ url: url! });
      await admin.exec(sql`DROP DATABASE IF EXISTS ${identifier(databases.get(repo)!)}`);
      await admin.close();
    },
  },
  url ? {} : { skip: "CLICKHOUSE_URL not set" },
);
