import { isAdmin, visibleProjectsWhere } from '../../auth/permissions.ts';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../../errors.ts';
import { builder, type GraphQLContext } from '../../graphql/builder.ts';
import { WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { defineNodeKind, intDatabaseId, NodeInterface, prefixedDatabaseId } from '../../graphql/node.ts';
import { readsRow } from '../../graphql/row-reads.ts';
import { PROJECT_ABILITIES } from '../../auth/abilities.ts';
import { countTokens, createProject, createToken, createWorkspace, revokeToken, tokenPage, viewerUser, visibleProject, visibleProjects, visibleWorkspaces } from './service.ts';

const WorkspaceNode = defineNodeKind('Workspace', {
  parseId: prefixedDatabaseId('ws'),
  load: async (ctx, id) => (await visibleWorkspaces(ctx, {}, id))[0] ?? null,
});

export const Workspace = builder.prismaObject('Workspace', {
  description: 'A tenant: owns projects and members.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'The ws_… id.' }),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    features: t.exposeStringList('features', { description: 'Enabled feature flags.' }),
    projects: t.relation('projects', {
      query: (_args, ctx) => ({ where: visibleProjectsWhere(ctx.principal), orderBy: { id: 'asc' } }),
    }),
  }),
});

export const ProjectNode = defineNodeKind('Project', {
  parseId: intDatabaseId,
  load: (ctx, id) => visibleProject(ctx, id),
});

export const Project = builder.prismaObject('Project', {
  description: 'A software project that reports are about.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'Numeric id, as used by the kendo REST routes.' }),
    publicId: t.exposeString('publicId', { description: 'Stable opaque id (prj_…).' }),
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
    workspace: t.relation('workspace'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** People's email and role are theirs and the administrators' to read, not every member's or machine's. */
const readsPrivateFields = (ctx: GraphQLContext, user: { id: string }) =>
  isAdmin(ctx.principal) || (ctx.principal.kind === 'user' && ctx.principal.user.id === user.id);

const Viewer = builder.prismaObject('User', {
  name: 'User',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.string({
      nullable: true,
      description: 'Visible to the person and to administrators; null for anyone else.',
      extensions: readsRow(['id', 'email']),
      resolve: (user, _args, ctx) => (readsPrivateFields(ctx, user) ? user.email : null),
    }),
    name: t.exposeString('name'),
    isAdmin: t.boolean({
      nullable: true,
      description: 'Visible to the person and to administrators; null for anyone else.',
      extensions: readsRow(['id', 'role']),
      resolve: (user, _args, ctx) => (readsPrivateFields(ctx, user) ? user.role === 'ADMIN' : null),
    }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true }),
  }),
});

const TokenKindEnum = builder.enumType('TokenKind', { values: ['PROJECT', 'WORKSPACE', 'PERSONAL'] as const });

const ApiTokenType = builder.prismaObject('ApiToken', {
  description: 'An API credential. The secret itself is only ever returned once, by the mutation that creates it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    kind: t.field({ type: TokenKindEnum, resolve: (token) => token.kind }),
    prefix: t.exposeString('prefix', { description: 'The start of the secret, for telling tokens apart.' }),
    abilities: t.exposeStringList('abilities'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    projectId: t.exposeInt('projectId', { nullable: true, description: 'A project token’s project.' }),
    workspaceId: t.exposeString('workspaceId', { nullable: true, description: 'A workspace token’s workspace.' }),
    userId: t.exposeString('userId', { nullable: true, description: 'A personal token’s person.' }),
    createdById: t.exposeString('createdById', { nullable: true, description: 'The person who minted it.' }),
    parentTokenId: t.exposeString('parentTokenId', { nullable: true, description: 'The token it was minted with; revoking that one revokes this one.' }),
  }),
});

const tokenFilterOf = (args: { project?: string | number | null; workspace?: string | null; user?: string | null; includeRevoked?: boolean | null }) => ({
  project: args.project === null || args.project === undefined ? undefined : ProjectNode.refOf(args.project),
  workspace: args.workspace ?? undefined,
  user: args.user ?? undefined,
  includeRevoked: args.includeRevoked ?? false,
});

builder.queryFields((t) => ({
  tokens: t.prismaConnection({
    nullable: true,
    type: 'ApiToken',
    cursor: 'id',
    description: 'Tokens the caller may manage, oldest first: administrators see all; people their own and those they minted; a workspace token its workspace’s. Never secrets.',
    args: {
      project: t.arg.id({ required: false }),
      workspace: t.arg.string({ required: false }),
      user: t.arg.string({ required: false }),
      includeRevoked: t.arg.boolean({ defaultValue: false }),
    },
    totalCount: (_root, args, ctx) => countTokens(ctx, tokenFilterOf(args)),
    resolve: (query, _root, args, ctx) => tokenPage(ctx, tokenFilterOf(args), query),
  }),
  viewer: t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The person behind the request (null for tokens that are not personal).',
    resolve: (query, _root, _args, ctx) => viewerUser(ctx, query),
  }),
  workspaces: t.prismaField({
    nullable: true,
    type: ['Workspace'],
    authScopes: { authenticated: true },
    resolve: (query, _root, _args, ctx) => visibleWorkspaces(ctx, query),
  }),
  projects: t.prismaField({
    nullable: true,
    type: ['Project'],
    authScopes: { authenticated: true },
    args: { workspace: t.arg.string({ required: false, description: 'Workspace slug or id.' }) },
    resolve: (query, _root, args, ctx) => visibleProjects(ctx, args.workspace, query),
  }),
  project: t.prismaField({
    type: 'Project',
    nullable: true,
    authScopes: { authenticated: true },
    description: 'A project by global id, numeric id or prj_ id (`id`), or by `slug` (`<workspace>/<slug>` when ambiguous).',
    args: { id: t.arg.id({ required: false }), slug: t.arg.string({ required: false }) },
    resolve: async (query, _root, args, ctx) => {
      const ref = args.id ?? args.slug;
      if (ref === undefined || ref === null) throw ValidationFailed.field('id', 'Give an id or a slug.');
      const project = await visibleProject(ctx, ProjectNode.refOf(ref), query);
      if (!project) return null;
      ctx.loaders.holdProject(project); // children that need their project get this one
      return project;
    },
  }),
}));

const FeatureEnum = builder.enumType('Feature', {
  values: { REPORTS: { value: 'reports' }, ERROR_TRACKING: { value: 'error-tracking' }, TEST_REPORTS: { value: 'test-reports' }, TASK_REPORTS: { value: 'task-reports' } } as const,
});
const ProjectAbilityEnum = builder.enumType('ProjectAbility', {
  values: Object.fromEntries(PROJECT_ABILITIES.map((a) => [a.replace(/[^a-z]+/gi, '_').toUpperCase(), { value: a }])) as Record<string, { value: string }>,
});

/** Administration: a bad input, a slug taken, or a caller who is not an administrator. */
const ADMIN_ERRORS = [ValidationFailed, Forbidden, NotFound, Conflict] as const;

defineMutation('createWorkspace', {
  description: 'Administrators only.',
  input: (t) => ({
    slug: t.string({ description: 'Lower-case letters, digits and dashes; unique.' }),
    name: t.string(),
    features: t.field({ type: [FeatureEnum], required: false, description: 'The modules it may use (default: all).' }),
  }),
  payload: { workspace: { type: Workspace, description: 'The new workspace.' } },
  errors: ADMIN_ERRORS,
  resolve: async (input, ctx) => ({ workspace: await createWorkspace(ctx, { slug: input.slug, name: input.name, features: input.features ?? undefined }) }),
});
defineMutation('createProject', {
  description: 'Administrators only.',
  input: (t) => ({ workspace: t.string({ description: 'Workspace slug or id.' }), slug: t.string({ description: 'Unique in its workspace.' }), name: t.string() }),
  payload: { project: { type: Project, description: 'The new project.' } },
  errors: ADMIN_ERRORS,
  resolve: async (input, ctx) => ({ project: await createProject(ctx, input) }),
});
defineMutation('createProjectToken', {
  description: 'Mint a token bound to one project. The secret is returned once.',
  input: (t) => ({
    project: t.id({ description: 'Numeric id, prj_ id, or slug.' }),
    name: t.string(),
    abilities: t.field({ type: [ProjectAbilityEnum], description: 'What the token may do.' }),
    expiresAt: t.field({ type: 'DateTime', required: false, description: 'Default: never.' }),
  }),
  payload: {
    token: { type: ApiTokenType, description: 'The new token (without its secret).' },
    secret: { type: 'String', description: 'The bearer secret: shown once, never stored.' },
  },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => {
    const created = await createToken(ctx, {
      kind: 'PROJECT', name: input.name, project: ProjectNode.refOf(input.project), abilities: input.abilities as string[],
      expiresAt: input.expiresAt ?? undefined,
    });
    return { token: created.token, secret: created.secret };
  },
});
defineMutation('revokeToken', {
  description: 'Revoke a token: it authenticates nothing from now on. Revoking twice answers the same.',
  input: (t) => ({ id: t.id({ description: 'The token’s id.' }) }),
  payload: { token: { type: ApiTokenType, description: 'The token, revoked.' } },
  errors: WRITE_ERRORS,
  resolve: async (input, ctx) => ({ token: await revokeToken(ctx, String(input.id)) }),
});

export { Viewer };
