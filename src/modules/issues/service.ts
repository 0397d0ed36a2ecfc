// Issues: the units of work that reports, bug reports and error groups are promoted into.
import type { Issue, Prisma as PrismaTypes } from '../../generated/prisma/client.ts';
import type { IssueStatus } from '../../generated/prisma/enums.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import type { Principal } from '../../auth/principal.ts';
import { z } from 'zod';
import { requireAuthenticated } from '../../auth/permissions.ts';
import { NotFound, ValidationFailed } from '../../errors.ts';
import { announceChanged, type Actor } from '../../services.ts';
import { maxChars, parseInput } from '../../validation.ts';
import { authorizedProjectScope, authorizedRecordProject, viewerMay } from '../workspaces/project-scope.ts';
import { recordTriage, type TriageSubject } from '../history/service.ts';

export interface NewIssue {
  projectId: number;
  title: string;
  description?: string;
}

/** Open an issue inside the caller's transaction (promotion links rows to it in the same one). */
export async function openIssue(tx: Db, principal: Principal, issue: NewIssue, at: Date): Promise<Issue> {
  const created = await tx.issue.create({
    data: {
      projectId: issue.projectId,
      title: issue.title.slice(0, 255),
      description: issue.description ?? '',
      createdById: principal.kind === 'user' && principal.token ? principal.user.id : null,
    },
  });
  await recordTriage(tx, principal, at, [{ subject: 'Issue', id: created.id, action: 'opened' }]);
  return created;
}

const SUBJECT_LABEL: Record<TriageSubject, string> = { Report: 'report', Issue: 'issue', ErrorGroup: 'error group', BugReport: 'bug report', TaskReport: 'task report', Defect: 'defect' };

export interface Promotion<T> {
  projectId: number;
  /** An existing issue of the project to promote into (refused unless it is one), else a new one. */
  issueId?: number | null;
  /** The argument that named the issue, for the refusal (`issue_id`, `issueId`). */
  issueField: string;
  /** What is promoted, and from which state (for the history). */
  subjects: Array<{ subject: TriageSubject; id: string | number; from?: string }>;
  /** In the transaction, first: locks and checks; returns the new issue's title and description. */
  prepare(tx: Db): Promise<Pick<NewIssue, 'title' | 'description'>>;
  /** Links the subjects to the issue; throws (rolling everything back) when one was taken meanwhile. */
  link(tx: Db, issue: Issue): Promise<T>;
}

/**
 * The one promotion path (reports, error groups, bug reports; later flaky tests and tasks): in
 * one transaction, into an existing issue of the project or a new one, the subjects linked and
 * the history written for both sides. Cached results of the project and the issue are dropped.
 */
export async function promoteIntoIssue<T>(actor: Actor, promotion: Promotion<T>): Promise<{ issue: Issue; created: boolean; linked: T }> {
  const { services, principal } = actor;
  const now = services.clock.now();
  const result = await services.prisma.$transaction(async (tx) => {
    const text = await promotion.prepare(tx);
    const existing = promotion.issueId ? await tx.issue.findFirst({ where: { id: promotion.issueId, projectId: promotion.projectId } }) : null;
    if (promotion.issueId && !existing) throw ValidationFailed.field(promotion.issueField, 'The selected issue id is invalid.');
    const issue = existing ?? (await openIssue(tx, principal, { projectId: promotion.projectId, ...text }, now));
    const linked = await promotion.link(tx, issue);
    await recordTriage(
      tx,
      principal,
      now,
      promotion.subjects.flatMap(({ subject, id, from }) => [
        { subject, id, action: 'promoted', from, to: `issue ${issue.id}` },
        { subject: 'Issue' as const, id: issue.id, action: 'linked', to: `${SUBJECT_LABEL[subject]} ${id}` },
      ]),
    );
    return { issue, created: !existing, linked };
  });
  announceChanged(services, { typename: 'Project', id: promotion.projectId }, { typename: 'Issue', id: result.issue.id });
  return result;
}

const issueChange = z.object({
  title: maxChars(255, z.string().trim().min(1)).optional(),
  description: maxChars(65_535).optional(),
  status: z.enum(['OPEN', 'IN_PROGRESS', 'DONE', 'CLOSED']).optional(),
});

/** Issues live on the board of their project: readers see them, `issues:update` changes them. */
export async function findIssue<Q extends Pick<PrismaTypes.IssueFindUniqueArgs, 'include'>>(
  actor: Actor,
  id: number,
  permission: 'issues:read' | 'issues:update' = 'issues:read',
  query: Q = {} as Q,
) {
  requireAuthenticated(actor.principal);
  const issue = await actor.services.prisma.issue.findUnique({ ...query, where: { id } });
  if (!issue) throw new NotFound('Issue');
  await authorizedRecordProject(actor, 'Issue', issue.projectId, { permission });
  return issue;
}

/** Whether the caller may change the issue (title, description, status). */
export const mayUpdateIssue = (actor: Actor, issue: Pick<Issue, 'projectId'>): Promise<boolean> =>
  viewerMay(actor, issue.projectId, { permission: 'issues:update' });

/** The filter of a project's issues, once the caller may read them. */
async function issuesWhere(actor: Actor, projectId: number, statuses?: readonly IssueStatus[]) {
  await authorizedProjectScope(actor, projectId, { permission: 'issues:read' });
  return { projectId, ...(statuses && statuses.length > 0 ? { status: { in: [...statuses] } } : {}) };
}

/** A project's issues, newest first (GraphQL passes its selection as `query`). */
export async function projectIssues(actor: Actor, projectId: number, statuses: readonly IssueStatus[] | undefined, query: PageQuery<PrismaTypes.IssueFindManyArgs>) {
  return actor.services.prisma.issue.findMany({ ...query, where: await issuesWhere(actor, projectId, statuses), orderBy: { id: 'desc' } });
}

export async function countIssues(actor: Actor, projectId: number, statuses?: readonly IssueStatus[]): Promise<number> {
  return actor.services.prisma.issue.count({ where: await issuesWhere(actor, projectId, statuses) });
}

export async function updateIssue(actor: Actor, id: number, change: z.input<typeof issueChange>): Promise<Issue> {
  const before = await findIssue(actor, id, 'issues:update');
  const data = parseInput(issueChange, change);
  const issue = await actor.services.prisma.$transaction(async (tx) => {
    const updated = await tx.issue.update({ where: { id }, data });
    if (data.status && data.status !== before.status) {
      await recordTriage(tx, actor.principal, actor.services.clock.now(), [{ subject: 'Issue', id, action: 'status_changed', from: before.status, to: data.status }]);
    }
    return updated;
  });
  announceChanged(actor.services, { typename: 'Issue', id });
  return issue;
}
