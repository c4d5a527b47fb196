import type { DescService } from "@bufbuild/protobuf";
import { DecisionService } from "../../gen/tickmesh/decision/v1/decision_pb.js";
import { ExecutionService } from "../../gen/tickmesh/execution/v1/execution_pb.js";
import { FeaturesService } from "../../gen/tickmesh/features/v1/features_pb.js";
import { IdentityService } from "../../gen/tickmesh/identity/v1/identity_pb.js";
import { MarketDataService } from "../../gen/tickmesh/marketdata/v1/marketdata_pb.js";
import { OrchestratorService } from "../../gen/tickmesh/orchestrator/v1/orchestrator_pb.js";
import { PortfolioService } from "../../gen/tickmesh/portfolio/v1/portfolio_pb.js";
import { RegistryService } from "../../gen/tickmesh/registry/v1/registry_pb.js";
import { RiskService } from "../../gen/tickmesh/risk/v1/risk_pb.js";
import { TickStoreService } from "../../gen/tickmesh/tickstore/v1/tickstore_pb.js";
import { TrainingService } from "../../gen/tickmesh/training/v1/training_pb.js";

/** Every tickmesh service (the partner-facing methods are the ones with google.api.http). */
export const ALL_SERVICES: readonly DescService[] = [
  IdentityService, MarketDataService, TickStoreService, FeaturesService, RegistryService, TrainingService,
  DecisionService, RiskService, ExecutionService, PortfolioService, OrchestratorService,
];
