import { builder } from '../../graphql/builder.ts';
import { MODULE_WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { defineNodeKind, intDatabaseId, NodeInterface } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { countErrorGroups, findErrorGroup, mayTriageErrorGroup, projectErrorGroups, promoteErrorGroup, setErrorGroupStatus } from './service.ts';
import { anyOf, OrderDirectionEnum } from '../../graphql/lists.ts';

const ErrorGroupStatusEnum = builder.enumType('ErrorGroupStatus', { values: ['UNRESOLVED', 'RESOLVED', 'IGNORED'] as const });
const ErrorGroupOrderFieldEnum = builder.enumType('ErrorGroupOrderField', {
  values: { LAST_SEEN: { description: 'When it last occurred.' }, COUNT: { description: 'How often it occurred.' } } as const,
});
const ErrorGroupOrderInput = builder.inputType('ErrorGroupOrder', {
  fields: (t) => ({
    field: t.field({ type: ErrorGroupOrderFieldEnum }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'desc' }),
  }),
});
const ErrorGroupFilterInput = builder.inputType('ErrorGroupFilter', {
  fields: (t) => ({
    environment: t.string({ required: false }),
    status: t.field({ type: [ErrorGroupStatusEnum], required: false, description: 'Any of these.' }),
    search: t.string({ required: false, description: 'Matches the exception class or message, case-insensitively.' }),
  }),
});

const ErrorGroupNode = defineNodeKind('ErrorGroup', { parseId: intDatabaseId, load: (ctx, id) => findErrorGroup(ctx, id) });

const ErrorGroupType = builder.prismaObject('ErrorGroup', {
  description: 'All occurrences of one fault in one environment of a project.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id.' }),
    environment: t.exposeString('environment'),
    fingerprint: t.exposeString('fingerprint', { description: 'sha256 of the exception class and the normalised stack trace.' }),
    exceptionClass: t.exposeString('exceptionClass'),
    message: t.exposeString('message', { description: 'Of the latest occurrence.' }),
    stackTrace: t.exposeString('stackTrace', { description: 'Of the latest occurrence.' }),
    release: t.exposeString('release', { nullable: true, description: 'The latest release that reported it.' }),
    occurrenceCount: t.exposeInt('occurrenceCount'),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    status: t.field({ type: ErrorGroupStatusEnum, resolve: (group) => group.status }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    regressedAt: t.expose('regressedAt', { type: 'DateTime', nullable: true, description: 'When a resolved group occurred again.' }),
    isRegression: t.boolean({
      description: 'Reopened by a new occurrence after it was resolved, and not resolved since.',
      resolve: (group) => group.regressedAt !== null && group.status === 'UNRESOLVED',
    }),
    project: t.relation('project'),
    issue: t.relation('issue', { nullable: true }),
    viewerCanUpdate: t.boolean({ description: 'Whether you may resolve, ignore, reopen or promote it.', resolve: (group, _args, ctx) => mayTriageErrorGroup(ctx, group) }),
  }),
});

const groupFilter = (filter: { environment?: string | null; status?: ReadonlyArray<'UNRESOLVED' | 'RESOLVED' | 'IGNORED'> | null; search?: string | null } | null | undefined) => ({
  environment: filter?.environment,
  status: anyOf(filter?.status),
  search: filter?.search,
});

builder.prismaObjectField('Project', 'errorGroups', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'ErrorGroup',
    cursor: 'id',
    description: 'Its error groups, most recently seen first unless `orderBy` says otherwise.',
    args: {
      filter: t.arg({ type: ErrorGroupFilterInput, required: false }),
      orderBy: t.arg({ type: ErrorGroupOrderInput, required: false, defaultValue: { field: 'LAST_SEEN', direction: 'desc' } }),
    },
    totalCount: (project, args, ctx) => countErrorGroups(ctx, project.id, groupFilter(args.filter)),
    resolve: (query, project, args, ctx) => projectErrorGroups(ctx, project.id, { ...groupFilter(args.filter), orderBy: args.orderBy ?? undefined }, query),
  }),
);

builder.queryField('errorGroup', (t) =>
  t.prismaField({
    nullable: true,
    type: 'ErrorGroup',
    authScopes: { authenticated: true },
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => findErrorGroup(ctx, ErrorGroupNode.idOf(args.id), query),
  }),
);

const groupFields = { errorGroup: { type: ErrorGroupType, description: 'The group as it is after the change.' } };
const STATUS_VERBS = [
  ['resolveErrorGroup', 'RESOLVED', 'Mark a group resolved; a new event of it reopens it.'],
  ['ignoreErrorGroup', 'IGNORED', 'Stop showing a group as open; its events are still counted.'],
  ['reopenErrorGroup', 'UNRESOLVED', 'Undo a resolve or an ignore.'],
] as const;
for (const [name, status, description] of STATUS_VERBS) {
  defineMutation(name, {
    description: `${description} A group already in that status answers VALIDATION_FAILED, every time.`,
    input: (t) => ({ id: t.id({ description: 'The group’s global id (or its numeric id).' }) }),
    payload: groupFields,
    errors: MODULE_WRITE_ERRORS,
    resolve: async (input, ctx) => ({ errorGroup: await setErrorGroupStatus(ctx, ErrorGroupNode.idOf(input.id, 'id'), status) }),
  });
}
defineMutation('promoteErrorGroup', {
  description: 'Open an issue for the group, or link it to an existing issue of its project (`issueId`).',
  input: (t) => ({
    id: t.id({ description: 'The group’s global id (or its numeric id).' }),
    issueId: t.id({ required: false, description: 'An issue of the group’s project to link it to, instead of a new one.' }),
    title: t.string({ required: false, description: 'The new issue’s title (default: the group’s exception).' }),
  }),
  payload: { ...groupFields, issue: { type: IssueType, description: 'The issue it went into.' } },
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const promoted = await promoteErrorGroup(ctx, ErrorGroupNode.idOf(input.id, 'id'), { title: input.title, issueId: IssueNode.optionalIdOf(input.issueId, 'issueId') });
    return { errorGroup: promoted.group, issue: promoted.issue };
  },
});
