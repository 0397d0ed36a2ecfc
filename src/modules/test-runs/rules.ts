// Who may do what with test runs, and how a run compares with the one before it on its branch.
import type { ProjectRule } from '../../auth/permissions.ts';
import { isFailing } from './kensho.ts';

export const RULES = {
  /** Pushing a run: people with test-runs:create; project tokens with test-runs:write; workspace tokens with write. */
  push: { permission: 'test-runs:create', tokenAbility: 'test-runs:write' },
  /** Reading runs: members with test-runs:read; a CI token that pushes may read what it pushed. */
  read: { permission: 'test-runs:read', tokenAbility: 'test-runs:write' },
} as const satisfies Record<string, ProjectRule>;

export interface Regression {
  newFailures: number;
  fixed: number;
  stillFailing: number;
}

/**
 * Against the previous run on the branch, case by case: a failure (fail or broken) is new when
 * the case did not fail there (a new test that fails counts); fixed when it failed there and
 * passes now; still failing when it failed in both. Muted cases count for nothing. With no
 * previous run there is nothing to regress from: all zero.
 */
export function compareWithPrevious(
  current: ReadonlyArray<{ testCaseId: number; status: string; muted: boolean }>,
  previous: ReadonlyMap<number, string> | null,
): Regression {
  const regression = { newFailures: 0, fixed: 0, stillFailing: 0 };
  if (!previous) return regression;
  for (const { testCaseId, status, muted } of current) {
    if (muted) continue;
    const before = previous.get(testCaseId);
    const failedBefore = before !== undefined && isFailing(before);
    if (isFailing(status)) {
      if (failedBefore) regression.stillFailing++;
      else regression.newFailures++;
    } else if (status === 'pass' && failedBefore) {
      regression.fixed++;
    }
  }
  return regression;
}
