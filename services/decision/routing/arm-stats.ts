/** Outcome statistics of one model version (the bandit's arm). */
export interface ArmCounters {
  decisions: bigint;
  outcomes: bigint;
  successes: number;
  failures: number;
  rewardSum: number;
}

/**
 * Per tenant, model and version: decisions made, outcomes recorded and the Beta posterior. Lives apart
 * from loaded models so a hot swap or restart (replaying `ai.decisions`) keeps what the bandit learnt.
 */
export class ArmStats {
  readonly #arms = new Map<string, ArmCounters>();

  #key(tenant: string, modelId: string, version: number): string {
    return `${tenant}\u0000${modelId}\u0000${version}`;
  }

  get(tenant: string, modelId: string, version: number): ArmCounters {
    const key = this.#key(tenant, modelId, version);
    let arm = this.#arms.get(key);
    if (!arm) this.#arms.set(key, (arm = { decisions: 0n, outcomes: 0n, successes: 0, failures: 0, rewardSum: 0 }));
    return arm;
  }

  decided(tenant: string, modelId: string, version: number): void {
    this.get(tenant, modelId, version).decisions++;
  }

  /** A reward > 0 is a success. */
  outcome(tenant: string, modelId: string, version: number, reward: number): ArmCounters {
    const arm = this.get(tenant, modelId, version);
    arm.outcomes++;
    arm.rewardSum += reward;
    if (reward > 0) arm.successes++;
    else arm.failures++;
    return arm;
  }

  posterior(tenant: string, modelId: string, version: number): { alpha: number; beta: number } {
    const arm = this.get(tenant, modelId, version);
    return { alpha: arm.successes + 1, beta: arm.failures + 1 };
  }
}
