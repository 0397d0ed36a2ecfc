import { builder, type GraphQLContext } from '../../graphql/builder.ts';
import { HISTORY_LIMIT, type TriageSubject } from './service.ts';

const TriageActor = builder.objectRef<{ actorKind: string; actorId: string | null; actorName: string }>('TriageActor').implement({
  description: 'Who acted: a person, a token, the local operator, or Intake itself; the name as it was then.',
  fields: (t) => ({
    kind: t.exposeString('actorKind', { description: 'user, project-token, workspace-token, operator, or system (a change Intake made itself: a resolved error group that occurs again is reopened)' }),
    // Not `id`: that name is for global ids (GRAPHQL.md), and the response cache takes a type with
    // an `id` for a cached entity (a null one leaked its `__responseCacheId` alias into answers).
    databaseId: t.exposeString('actorId', { nullable: true, description: 'The user id, or the token id; null for anonymous callers, the operator and Intake itself.' }),
    name: t.exposeString('actorName'),
  }),
});

const TriageEventType = builder.prismaObject('TriageEvent', {
  description: 'One triage action: who did what, from → to, when.',
  fields: (t) => ({
    id: t.exposeInt('id'),
    action: t.exposeString('action', { description: 'submitted, promoted, dismissed, reordered, deleted, status_changed, opened, linked' }),
    from: t.exposeString('fromValue', { nullable: true }),
    to: t.exposeString('toValue', { nullable: true }),
    actor: t.field({ type: TriageActor, resolve: (event) => event }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

// `history` on each triaged type, batched by the history loader (one statement per page).
const description = `Its triage actions, newest first (the latest ${HISTORY_LIMIT}).`;
const load = (ctx: GraphQLContext, subject: TriageSubject, id: string | number) => ctx.loaders.history.load(`${subject}:${id}`);
builder.prismaObjectField('Report', 'history', (t) => t.field({ type: [TriageEventType], description, resolve: (r, _a, ctx) => load(ctx, 'Report', r.id) }));
builder.prismaObjectField('Issue', 'history', (t) => t.field({ type: [TriageEventType], description, resolve: (r, _a, ctx) => load(ctx, 'Issue', r.id) }));
builder.prismaObjectField('ErrorGroup', 'history', (t) => t.field({ type: [TriageEventType], description, resolve: (r, _a, ctx) => load(ctx, 'ErrorGroup', r.id) }));
builder.prismaObjectField('BugReport', 'history', (t) => t.field({ type: [TriageEventType], description, resolve: (r, _a, ctx) => load(ctx, 'BugReport', r.id) }));
