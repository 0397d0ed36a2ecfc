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

/** One result of a test on a branch, as flaky detection keeps it. */
export interface BranchResult {
  status: string;
  commit: string | null;
  /** Passed only after a retry (kensho `retries` > 0). */
  retried: boolean;
  /** The test said so itself (kensho 0.3.0 `flaky: true`). */
  explicit: boolean;
  at: string;
}

/** Results kept per test and branch (the documented default window). */
export const FLAKY_WINDOW = 20;

export interface Flakiness {
  flaky: boolean;
  reason: 'same-commit' | 'retried' | 'flips' | 'marked' | null;
  flips: number;
  flipRate: number;
  lastFlipAt: string | null;
  passStreak: number;
}

/**
 * Flaky over the window of a test's last results on one branch: it both passed and failed on one
 * commit, or passed only on a retry, or flipped pass↔fail at least twice — skipped and broken
 * results are not flips — or says so itself. Once flaky it stays flaky until FLAKY_WINDOW
 * consecutive passes.
 */
export function assessFlakiness(window: readonly BranchResult[], wasFlaky: boolean): Flakiness {
  let passStreak = 0;
  for (let i = window.length - 1; i >= 0 && window[i]!.status === 'pass' && !window[i]!.retried; i--) passStreak++;
  const decisive = window.filter((result) => result.status === 'pass' || result.status === 'fail');
  let flips = 0;
  let lastFlipAt: string | null = null;
  for (let i = 1; i < decisive.length; i++) {
    if (decisive[i]!.status !== decisive[i - 1]!.status) {
      flips++;
      lastFlipAt = decisive[i]!.at;
    }
  }
  const outcomes = new Map<string, Set<string>>();
  for (const result of decisive) if (result.commit) outcomes.set(result.commit, (outcomes.get(result.commit) ?? new Set()).add(result.status));
  const reason: Flakiness['reason'] = [...outcomes.values()].some((seen) => seen.size > 1)
    ? 'same-commit'
    : window.some((result) => result.retried)
      ? 'retried'
      : flips >= 2
        ? 'flips'
        : window.some((result) => result.explicit)
          ? 'marked'
          : null;
  const flaky = passStreak >= FLAKY_WINDOW ? false : reason !== null || wasFlaky;
  return { flaky, reason: flaky ? (reason ?? 'flips') : null, flips, flipRate: decisive.length > 1 ? flips / (decisive.length - 1) : 0, lastFlipAt, passStreak };
}
