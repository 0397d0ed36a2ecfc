import { builder } from '../../graphql/builder.ts';

export const IssueStatusEnum = builder.enumType('IssueStatus', { values: ['OPEN', 'IN_PROGRESS', 'DONE', 'CLOSED'] as const });

export const IssueType = builder.prismaObject('Issue', {
  description: 'A unit of work on a project; reports, bug reports and error groups are promoted into issues.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    status: t.field({ type: IssueStatusEnum, resolve: (issue) => issue.status }),
    project: t.relation('project'),
    createdBy: t.relation('createdBy', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});
