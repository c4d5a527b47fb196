import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { DecisionService } from "../../../gen/tickmesh/decision/v1/decision_pb.js";
import { ExecutionService } from "../../../gen/tickmesh/execution/v1/execution_pb.js";
import { MarketDataService } from "../../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { PortfolioService } from "../../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { TickStoreService } from "../../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { credentialHeaders } from "./credentials.js";

export interface Api {
  marketdata: Client<typeof MarketDataService>;
  tickstore: Client<typeof TickStoreService>;
  execution: Client<typeof ExecutionService>;
  portfolio: Client<typeof PortfolioService>;
  decision: Client<typeof DecisionService>;
  orchestrator: Client<typeof OrchestratorService>;
}

/** Connect clients on the page's own origin (the edge), sending whatever credential `credential()` returns. */
export function createApi(credential: () => string, baseUrl = location.origin): Api {
  const authenticate: Interceptor = (next) => (req) => {
    for (const [name, value] of Object.entries(credentialHeaders(credential()))) req.header.set(name, value);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, useBinaryFormat: true, interceptors: [authenticate] });
  const client = <S extends DescService>(service: S): Client<S> => createClient(service, transport);
  return {
    marketdata: client(MarketDataService),
    tickstore: client(TickStoreService),
    execution: client(ExecutionService),
    portfolio: client(PortfolioService),
    decision: client(DecisionService),
    orchestrator: client(OrchestratorService),
  };
}
