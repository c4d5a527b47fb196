import { Code } from "@connectrpc/connect";
import { ErrorReason } from "../../../gen/tickmesh/common/v1/errors_pb.js";
import { tickmeshError } from "../../../lib/grpc/index.js";

/** Which feature set (and version) a model was trained on, or a feature vector was computed with. */
export interface FeatureSetRef {
  readonly featureSetId: string;
  readonly featureSetVersion: number;
}

/**
 * Serving refuses features computed with another feature set than the model's: FAILED_PRECONDITION
 * with reason FEATURE_SET_MISMATCH (for the decision service, and GetFeatures when a version is asked).
 */
export function assertFeatureSetVersion(expected: FeatureSetRef, actual: FeatureSetRef): void {
  if (expected.featureSetId === actual.featureSetId && expected.featureSetVersion === actual.featureSetVersion) return;
  throw tickmeshError(
    Code.FailedPrecondition,
    ErrorReason.FEATURE_SET_MISMATCH,
    `features were computed with ${actual.featureSetId} v${actual.featureSetVersion}, expected ${expected.featureSetId} v${expected.featureSetVersion}`,
    {
      expected_feature_set_id: expected.featureSetId,
      expected_feature_set_version: String(expected.featureSetVersion),
      actual_feature_set_id: actual.featureSetId,
      actual_feature_set_version: String(actual.featureSetVersion),
    },
  );
}
