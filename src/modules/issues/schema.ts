import { builder } from '../../graphql/builder.ts';
import { viewerMay } from '../workspaces/project-scope.ts';
import { WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { defineNodeKind, intDatabaseId, NodeInterface } from '../../graphql/node.ts';
import { readsRow } from '../../graphql/row-reads.ts';
import { countIssues, findIssue, mayUpdateIssue, projectIssues, updateIssue } from './service.ts';
import { anyOf } from '../../graphql/lists.ts';

export const IssueStatusEnum = builder.enumType('IssueStatus', { values: ['OPEN', 'IN_PROGRESS', 'DONE', 'CLOSED'] as const });

export const IssueNode = defineNodeKind('Issue', { parseId: intDatabaseId, load: (ctx, id) => findIssue(ctx, id) });

export const IssueType = builder.prismaObject('Issue', {
  description: 'A unit of work on a project; reports, bug reports and error groups are promoted into issues.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id.' }),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    status: t.field({ type: IssueStatusEnum, extensions: readsRow(['status']), resolve: (issue) => issue.status }),
    project: t.relation('project'),
    createdBy: t.relation('createdBy', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    viewerCanUpdate: t.boolean({ description: 'Whether you may change its title, description or status.', resolve: (issue, _args, ctx) => mayUpdateIssue(ctx, issue) }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    // What was promoted into it, each list for those who may read that kind (null, with the
    // refusal in `errors`, for anyone else): issue readers are not all report or error readers.
    reports: t.relation('reports', {
      nullable: true,
      query: { orderBy: { order: 'asc' } },
      authScopes: (issue, _args, ctx) => viewerMay(ctx, issue.projectId, { permission: 'reports:read' }, 'reports'),
    }),
    errorGroups: t.relation('errorGroups', {
      nullable: true,
      query: { orderBy: { id: 'asc' } },
      authScopes: (issue, _args, ctx) => viewerMay(ctx, issue.projectId, { permission: 'error-groups:read' }, 'error-tracking'),
    }),
    bugReports: t.relation('bugReports', {
      nullable: true,
      description: 'Administrators only, like every bug report.',
      query: { where: { deletedAt: null }, orderBy: { occurredAt: 'desc' } },
      authScopes: { admin: true },
    }),
  }),
});

const IssueFilterInput = builder.inputType('IssueFilter', {
  fields: (t) => ({ status: t.field({ type: [IssueStatusEnum], required: false, description: 'Any of these.' }) }),
});

builder.prismaObjectField('Project', 'issues', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'Issue',
    cursor: 'id',
    description: 'Its issues, newest first.',
    args: { filter: t.arg({ type: IssueFilterInput, required: false }) },
    totalCount: (project, args, ctx) => countIssues(ctx, project.id, anyOf(args.filter?.status)),
    resolve: (query, project, args, ctx) => projectIssues(ctx, project.id, anyOf(args.filter?.status), query),
  }),
);

builder.queryField('issue', (t) =>
  t.prismaField({
    nullable: true,
    type: 'Issue',
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => findIssue(ctx, IssueNode.idOf(args.id), 'issues:read', query),
  }),
);

defineMutation('updateIssue', {
  description: 'Change an issue’s title, description or status; fields left out keep their value.',
  input: (t) => ({
    id: t.id({ description: 'The issue’s global id (or its numeric id).' }),
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    status: t.field({ type: IssueStatusEnum, required: false }),
  }),
  payload: { issue: { type: IssueType, description: 'The issue as it is after the change.' } },
  errors: WRITE_ERRORS,
  resolve: async ({ id, title, description, status }, ctx) => ({
    issue: await updateIssue(ctx, IssueNode.idOf(id, 'id'), { title: title ?? undefined, description: description ?? undefined, status: status ?? undefined }),
  }),
});
