// Task rules: who may do what, and the documented state changes as a pure table.
import type { ProjectRule } from '../../auth/permissions.ts';

export const TASK_STATUSES = ['PROCESSING', 'REVIEWING', 'COMPLETED', 'FAILED', 'DISCARDED', 'FILTERED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** send.ai scopes, in both of its spellings (the scopes page's and the import guide's). */
export const RULES = {
  read: { permission: 'tasks:read', tokenAbility: ['task.read', 'tasks.view', 'task.edit', 'tasks.edit'] },
  edit: { permission: 'tasks:update', tokenAbility: ['task.edit', 'tasks.edit'] },
} as const satisfies Record<string, ProjectRule>;

export type TaskAction = 'complete' | 'discard' | 'approve' | 'disapprove' | 'unlock';
export const TASK_ACTIONS: readonly TaskAction[] = ['complete', 'discard', 'approve', 'disapprove', 'unlock'];

interface TaskState {
  status: string;
  approved: boolean;
  lockedAt: Date | null;
}

export type TaskChange = { status?: TaskStatus; approved?: boolean; lockedAt?: null; message?: string } | { refused: string };

/**
 * What an action does to a task, or why it is refused:
 * complete — REVIEWING only; the task goes on to the next pipeline step (PROCESSING);
 * discard — REVIEWING only; leaves the pipeline (DISCARDED);
 * approve / disapprove — never while PROCESSING, and not twice in a row;
 * unlock — releases a task held by a reviewer.
 */
export function changeFor(action: TaskAction, task: TaskState): TaskChange {
  switch (action) {
    case 'complete':
      return task.status === 'REVIEWING' ? { status: 'PROCESSING', message: 'Task completed; processing of the next step has started.' } : { refused: `Only a REVIEWING task can be completed; this one is ${task.status}.` };
    case 'discard':
      return task.status === 'REVIEWING' ? { status: 'DISCARDED' } : { refused: `Only a REVIEWING task can be discarded; this one is ${task.status}.` };
    case 'approve':
      if (task.status === 'PROCESSING') return { refused: 'A task cannot be approved while it is PROCESSING.' };
      return task.approved ? { refused: 'The task is already approved.' } : { approved: true };
    case 'disapprove':
      if (task.status === 'PROCESSING') return { refused: 'A task cannot be disapproved while it is PROCESSING.' };
      return task.approved ? { approved: false } : { refused: 'The task is not approved.' };
    case 'unlock':
      return task.lockedAt ? { lockedAt: null } : { refused: 'The task is not locked.' };
  }
}
