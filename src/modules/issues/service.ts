// Issues: the units of work that reports, bug reports and error groups are promoted into.
import type { Issue } from '../../generated/prisma/client.ts';
import type { Prisma } from '../../db/client.ts';
import type { Principal } from '../../auth/principal.ts';

export interface NewIssue {
  projectId: number;
  title: string;
  description?: string;
}

/** Open an issue inside the caller's transaction (promotion links rows to it in the same one). */
export function openIssue(tx: Prisma, principal: Principal, issue: NewIssue): Promise<Issue> {
  return tx.issue.create({
    data: {
      projectId: issue.projectId,
      title: issue.title.slice(0, 255),
      description: issue.description ?? '',
      createdById: principal.kind === 'user' && principal.token ? principal.user.id : null,
    },
  });
}
