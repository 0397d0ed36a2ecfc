// Workspaces, projects, people and their tokens: the identity every other module leans on.
import { z } from 'zod';
import type { ApiToken, Prisma as PrismaTypes, Project, User, Workspace } from '../../generated/prisma/client.ts';
import type { TokenKind } from '../../generated/prisma/enums.ts';
import {
  ACCESS_ABILITIES, FEATURES, PERMISSIONS, PROJECT_ABILITIES, isAbility, isFeature, type Permission,
} from '../../auth/abilities.ts';
import { authorizeProject, canSeeProject, isAdmin, requireAccess, requireAdmin, requireAuthenticated, visibleProjectsWhere } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { mintSecret } from '../../auth/tokens.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { Db, PageQuery } from '../../db/client.ts';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { announceChanged, type Actor } from '../../services.ts';
import { parseInput, slugSchema } from '../../validation.ts';
import { forgetProjectScopes, projectRow } from './project-scope.ts';

/** What a plain workspace member may do: read everything (kendo's Member system role). */
export const MEMBER_PERMISSIONS: Permission[] = PERMISSIONS.filter((p) => p.endsWith(':read'));

const featureList = z.array(z.string()).refine((list) => list.every(isFeature), {
  message: `unknown feature; known: ${FEATURES.join(', ')}`,
});

/** How a workspace reference reads: its ws_ id or its slug. */
const workspaceWhere = (ref: string) => (ref.startsWith('ws_') ? { id: ref } : { slug: ref });

export async function findWorkspace(prisma: Db, ref: string): Promise<Workspace> {
  const workspace = await prisma.workspace.findFirst({ where: workspaceWhere(ref) });
  if (!workspace) throw new NotFound(`Workspace "${ref}"`);
  return workspace;
}

/** How a project reference reads: numeric id, `prj_…`, `<workspace>/<slug>`, or a bare slug. */
export function projectWhere(ref: string | number) {
  const text = String(ref).trim();
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    return Number.isSafeInteger(id) && id <= 2_147_483_647 ? { id } : { id: -1 };
  }
  if (text.startsWith('prj_')) return { publicId: text };
  if (text.includes('/')) {
    const [workspaceSlug, slug] = text.split('/', 2);
    return { slug, workspace: { slug: workspaceSlug } };
  }
  return { slug: text };
}

/**
 * The projects a reference names, with whatever `query` (include/select) the caller needs, in one
 * statement; a bare slug used in several workspaces is refused as ambiguous.
 */
export async function findProjects<Q extends object>(prisma: Db, ref: string | number, query: Q = {} as Q) {
  const found = await prisma.project.findMany({ ...query, where: projectWhere(ref), take: 2 });
  if (found.length > 1) {
    const text = String(ref).trim();
    throw ValidationFailed.field('project', `"${text}" names projects in several workspaces; use <workspace>/${text}.`);
  }
  return found;
}

/** Workspaces in which the caller sees a project (administrators: all), by slug; `id` narrows to one. */
export function visibleWorkspaces<Q extends Pick<PrismaTypes.WorkspaceFindManyArgs, 'include' | 'select'>>(actor: Actor, query: Q = {} as Q, id?: string) {
  return actor.services.prisma.workspace.findMany({
    ...query,
    where: { ...(id === undefined ? {} : { id }), projects: isAdmin(actor.principal) ? undefined : { some: visibleProjectsWhere(actor.principal) } },
    orderBy: { slug: 'asc' },
  });
}

/** The projects the caller sees, oldest first; `workspace` (slug or ws_ id) narrows to one workspace. */
export function visibleProjects<Q extends Pick<PrismaTypes.ProjectFindManyArgs, 'include' | 'select'>>(actor: Actor, workspace: string | null | undefined, query: Q = {} as Q) {
  return actor.services.prisma.project.findMany({
    ...query,
    where: {
      AND: [visibleProjectsWhere(actor.principal), workspace ? { workspace: workspaceWhere(workspace) } : {}],
    },
    orderBy: { id: 'asc' },
  });
}

/**
 * The project a reference names (see `projectWhere`), or null when there is none the caller sees.
 * By numeric id and with no relations asked for (the board's `project(id:)`), the cached row.
 */
export async function visibleProject<Q extends object>(actor: Actor, ref: string | number, query: Q = {} as Q) {
  const where = projectWhere(ref);
  const project =
    'id' in where && where.id !== undefined && Object.keys(query).length === 0
      ? await projectRow(actor.services, where.id).catch((error: unknown) => (error instanceof NotFound ? undefined : Promise.reject(error)))
      : (await findProjects(actor.services.prisma, ref, query))[0];
  return project && canSeeProject(actor.principal, project) ? project : null;
}

/** The person behind the request, or null for a token that is not personal. */
export function viewerUser<Q extends Pick<PrismaTypes.UserFindUniqueArgs, 'include' | 'select'>>(actor: Actor, query: Q = {} as Q) {
  return actor.principal.kind === 'user' ? actor.services.prisma.user.findUnique({ ...query, where: { id: actor.principal.user.id } }) : null;
}

export interface ProjectName {
  workspace?: string | undefined;
  project: string | number;
}

/**
 * The project a request names — by workspace and project (slug or ids), or by project alone
 * (slug, `<workspace>/<slug>`, prj_ id or numeric id) among those the caller can see — with its
 * workspace's slug and features. Only visible projects are considered, so a slug shared with
 * another tenant neither blocks nor reveals anything; one the caller cannot see is not found.
 */
export async function visibleProjectNamed(actor: Actor, ref: ProjectName) {
  requireAuthenticated(actor.principal);
  const workspace = ref.workspace ? { workspace: workspaceWhere(ref.workspace) } : {};
  const found = await actor.services.prisma.project.findMany({
    where: { AND: [visibleProjectsWhere(actor.principal), workspace, projectWhere(ref.project)] },
    include: { workspace: { select: { slug: true, features: true } } },
    take: 2,
  });
  if (found.length > 1) throw ValidationFailed.field('project', `"${String(ref.project)}" names projects in several of your workspaces; name the workspace too.`);
  if (!found[0]) throw new NotFound('Project');
  return found[0];
}

export async function findProject(prisma: Db, ref: string | number): Promise<Project & { workspace: Workspace }> {
  const [project] = await findProjects(prisma, ref, { include: { workspace: true } });
  if (!project) throw new NotFound(`Project "${String(ref).trim()}"`);
  return project as Project & { workspace: Workspace };
}

const createWorkspaceInput = z.object({
  slug: slugSchema,
  name: z.string().trim().min(1).max(255),
  features: featureList.optional(),
});

export async function createWorkspace(actor: Actor, input: z.input<typeof createWorkspaceInput>): Promise<Workspace> {
  requireAdmin(actor.principal);
  const data = parseInput(createWorkspaceInput, input);
  try {
    return await actor.services.prisma.workspace.create({
      data: { id: newId('ws'), slug: data.slug, name: data.name, ...(data.features ? { features: data.features } : {}) },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`A workspace with slug "${data.slug}" already exists.`);
    throw error;
  }
}

const featureChange = z.object({ enable: featureList.default([]), disable: featureList.default([]) });

export async function setWorkspaceFeatures(actor: Actor, ref: string, change: z.input<typeof featureChange>): Promise<Workspace> {
  requireAdmin(actor.principal);
  const { enable, disable } = parseInput(featureChange, change);
  const both = enable.filter((f) => disable.includes(f));
  if (both.length) throw ValidationFailed.field('features', `Cannot both enable and disable ${both.join(', ')}.`);
  const prisma = actor.services.prisma;
  const updated = await prisma.$transaction(async (tx) => {
    const workspace = await findWorkspace(tx, ref);
    const features = [...new Set([...workspace.features, ...enable])].filter((f) => !disable.includes(f));
    return tx.workspace.update({ where: { id: workspace.id }, data: { features } });
  });
  forgetProjectScopes(actor.services);
  announceChanged(actor.services, { typename: 'Project' }, { typename: 'Report' }, { typename: 'Issue' }); // reads of those depend on the features
  return updated;
}

const createProjectInput = z.object({
  workspace: z.string().min(1),
  slug: slugSchema,
  name: z.string().trim().min(1).max(255),
});

export async function createProject(actor: Actor, input: z.input<typeof createProjectInput>): Promise<Project> {
  requireAdmin(actor.principal);
  const data = parseInput(createProjectInput, input);
  const workspace = await findWorkspace(actor.services.prisma, data.workspace);
  try {
    const project = await actor.services.prisma.project.create({
      data: { publicId: newId('prj'), workspaceId: workspace.id, slug: data.slug, name: data.name },
    });
    announceChanged(actor.services, { typename: 'Workspace', id: workspace.id }, { typename: 'Project' });
    return project;
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`Workspace "${workspace.slug}" already has a project "${data.slug}".`);
    throw error;
  }
}

const permissionList = z.array(z.enum(PERMISSIONS));

const createUserInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  name: z.string().trim().min(1).max(255),
  admin: z.boolean().default(false),
  workspace: z.string().min(1).optional(),
  /** Membership permissions in `workspace`; members read everything by default. */
  permissions: permissionList.optional(),
});

export async function createUser(actor: Actor, input: z.input<typeof createUserInput>): Promise<User> {
  requireAdmin(actor.principal);
  const data = parseInput(createUserInput, input);
  const workspace = data.workspace ? await findWorkspace(actor.services.prisma, data.workspace) : undefined;
  try {
    return await actor.services.prisma.user.create({
      data: {
        id: newId('usr'),
        email: data.email,
        name: data.name,
        role: data.admin ? 'ADMIN' : 'MEMBER',
        ...(workspace
          ? { memberships: { create: { workspaceId: workspace.id, permissions: data.permissions ?? MEMBER_PERMISSIONS } } }
          : {}),
      },
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`A user with email "${data.email}" already exists.`);
    throw error;
  }
}

const grantInput = z.object({
  user: z.string().min(1),
  project: z.union([z.string(), z.number()]),
  owner: z.boolean().default(false),
  permissions: permissionList.default([]),
});

/** Give a person access to one project (owners bypass permission checks there). */
export async function grantProjectAccess(actor: Actor, input: z.input<typeof grantInput>) {
  requireAdmin(actor.principal);
  const data = parseInput(grantInput, input);
  const prisma = actor.services.prisma;
  const project = await findProject(prisma, data.project);
  const user = await findUser(prisma, data.user);
  const key = { userId: user.id, workspaceId: project.workspaceId, projectId: project.id };
  const existing = await prisma.membership.findFirst({ where: key });
  const values = { isOwner: data.owner, permissions: data.permissions };
  const membership = existing
    ? await prisma.membership.update({ where: { id: existing.id }, data: values })
    : await prisma.membership.create({ data: { ...key, ...values } });
  actor.services.principals.forget(); // cached principals carry memberships
  announceChanged(actor.services, { typename: 'Project' }, { typename: 'Report' }, { typename: 'Issue' }); // who sees what changed
  return membership;
}

export async function findUser(prisma: Db, ref: string): Promise<User> {
  const user = await prisma.user.findFirst({ where: ref.startsWith('usr_') ? { id: ref } : { email: ref.trim().toLowerCase() } });
  if (!user) throw new NotFound(`User "${ref}"`);
  return user;
}

const createTokenInput = z.object({
  name: z.string().trim().min(1).max(255),
  kind: z.enum(['PROJECT', 'WORKSPACE', 'PERSONAL']),
  project: z.union([z.string(), z.number()]).optional(),
  workspace: z.string().optional(),
  user: z.string().optional(),
  abilities: z.array(z.string()).default([]),
  expiresAt: z.date().optional(),
});

export interface CreatedToken {
  token: ApiToken;
  /** Shown once; only its sha256 is stored. */
  secret: string;
}

export async function createToken(actor: Actor, input: z.input<typeof createTokenInput>): Promise<CreatedToken> {
  requireAccess(actor.principal, 'write');
  const data = parseInput(createTokenInput, input);
  const prisma = actor.services.prisma;
  const unknown = data.abilities.filter((a) => !isAbility(a));
  if (unknown.length) {
    throw ValidationFailed.field('abilities', `Unknown ability ${unknown.map((a) => `"${a}"`).join(', ')}; known: ${[...PROJECT_ABILITIES, ...ACCESS_ABILITIES].join(', ')}.`);
  }
  if (data.expiresAt && data.expiresAt <= actor.services.clock.now()) throw ValidationFailed.field('expiresAt', 'The expiry must be in the future.');
  const binding = await tokenBinding(actor, data.kind, data);
  const abilities = [...new Set(data.abilities.length ? data.abilities : binding.defaultAbilities)];
  const allowed: readonly string[] = binding.allowedAbilities;
  const misplaced = abilities.filter((a) => !allowed.includes(a));
  if (misplaced.length) throw ValidationFailed.field('abilities', `A ${data.kind.toLowerCase()} token cannot carry ${misplaced.join(', ')}.`);
  if (abilities.length === 0) throw ValidationFailed.field('abilities', `A project token needs at least one ability: ${PROJECT_ABILITIES.join(', ')}.`);
  const minted = mintSecret(data.kind);
  const { principal } = actor;
  const createdById = principal.kind === 'user' && principal.token ? principal.user.id : null;
  const parentTokenId = principal.kind !== 'anonymous' && principal.token ? principal.token.id : null;
  const token = await prisma.apiToken.create({
    data: {
      id: newId('tok'), name: data.name, kind: data.kind, prefix: minted.prefix, secretHash: minted.secretHash,
      abilities, projectId: binding.projectId, workspaceId: binding.workspaceId, userId: binding.userId, createdById,
      parentTokenId, expiresAt: data.expiresAt ?? null,
    },
  });
  return { token, secret: minted.secret };
}

interface TokenBinding {
  projectId: number | null;
  workspaceId: string | null;
  userId: string | null;
  defaultAbilities: string[];
  allowedAbilities: readonly string[];
}

async function tokenBinding(actor: Actor, kind: TokenKind, data: { project?: string | number; workspace?: string; user?: string }): Promise<TokenBinding> {
  const prisma = actor.services.prisma;
  const targets = [data.project, data.workspace, data.user].filter((v) => v !== undefined).length;
  if (targets !== 1) throw ValidationFailed.field('token', 'Bind the token to exactly one of a project, a workspace or a user.');
  if (kind === 'PROJECT') {
    if (data.project === undefined) throw ValidationFailed.field('project', 'A project token needs a project.');
    const project = await findProject(prisma, data.project);
    // People who manage the project (admins, owners, projects:manage) mint its tokens.
    authorizeProject(actor.principal, project, { permission: 'projects:manage' });
    return { projectId: project.id, workspaceId: null, userId: null, defaultAbilities: [], allowedAbilities: PROJECT_ABILITIES };
  }
  if (kind === 'WORKSPACE') {
    if (!data.workspace) throw ValidationFailed.field('workspace', 'A workspace token needs a workspace.');
    requireAdmin(actor.principal);
    const workspace = await findWorkspace(prisma, data.workspace);
    return { projectId: null, workspaceId: workspace.id, userId: null, defaultAbilities: [...ACCESS_ABILITIES], allowedAbilities: [...PROJECT_ABILITIES, ...ACCESS_ABILITIES] };
  }
  if (!data.user) throw ValidationFailed.field('user', 'A personal token needs a user.');
  const user = await findUser(prisma, data.user);
  const self = actor.principal.kind === 'user' && actor.principal.user.id === user.id;
  if (!self && !isAdmin(actor.principal)) throw new Forbidden('Only administrators may mint tokens for other people.');
  return { projectId: null, workspaceId: null, userId: user.id, defaultAbilities: [...ACCESS_ABILITIES], allowedAbilities: ACCESS_ABILITIES };
}

/**
 * Revokes a token and every token minted with it (and theirs): a leaked workspace token's
 * offspring must not outlive it. Returns the token itself.
 */
export async function revokeToken(actor: Actor, tokenId: string): Promise<ApiToken> {
  requireAccess(actor.principal, 'write');
  const prisma = actor.services.prisma;
  const token = await prisma.apiToken.findUnique({ where: { id: tokenId }, include: { project: true } });
  if (!token || !mayManageToken(actor.principal, token)) throw new NotFound(`Token "${tokenId}"`);
  const now = actor.services.clock.now();
  const revoked = await prisma.$transaction(async (tx) => {
    // Revoking twice keeps the first revocation time: the audit trail says when it stopped working.
    const self = token.revokedAt ? token : await tx.apiToken.update({ where: { id: token.id }, data: { revokedAt: now } });
    for (let parents = [token.id]; parents.length > 0; ) {
      const children = await tx.apiToken.findMany({ where: { parentTokenId: { in: parents } }, select: { id: true } });
      parents = children.map((child) => child.id);
      if (parents.length) await tx.apiToken.updateMany({ where: { id: { in: parents }, revokedAt: null }, data: { revokedAt: now } });
    }
    return self;
  });
  actor.services.principals.forget();
  return revoked;
}

/** Own tokens, tokens one minted, tokens of projects one manages, everything for admins. */
function mayManageToken(principal: Principal, token: ApiToken & { project: Project | null }): boolean {
  if (isAdmin(principal)) return true;
  if (principal.kind === 'anonymous') return false;
  if (principal.kind === 'user' && (token.userId === principal.user.id || token.createdById === principal.user.id)) return true;
  if (principal.token && token.parentTokenId === principal.token.id) return true;
  if (principal.kind === 'workspace-token' && token.workspaceId === principal.workspaceId) return true;
  if (!token.project) return false;
  try {
    authorizeProject(principal, token.project, { permission: 'projects:manage' });
    return true;
  } catch {
    return false;
  }
}

/** The tokens a principal may see and manage (never secrets): a Prisma filter, for lists. */
export function visibleTokensWhere(principal: Principal) {
  requireAccess(principal, 'read');
  if (isAdmin(principal)) return {};
  switch (principal.kind) {
    case 'user':
      return { OR: [{ userId: principal.user.id }, { createdById: principal.user.id }, ...(principal.token ? [{ parentTokenId: principal.token.id }] : [])] };
    case 'workspace-token':
      return { OR: [{ workspaceId: principal.workspaceId }, { project: { workspaceId: principal.workspaceId } }, { parentTokenId: principal.token.id }] };
    default:
      throw new Forbidden('Project tokens cannot list tokens.');
  }
}

const tokenFilter = z.object({
  project: z.union([z.string(), z.number()]).optional(),
  workspace: z.string().optional(),
  user: z.string().optional(),
  includeRevoked: z.boolean().default(false),
  /** Only tokens after this id (the CLI's pages; GraphQL pages with cursors). */
  after: z.string().optional(),
});

/** Prisma filter for a token list: what the caller may see, narrowed by the filter. */
async function tokensWhere(actor: Actor, input: z.input<typeof tokenFilter>) {
  const filter = parseInput(tokenFilter, input);
  const prisma = actor.services.prisma;
  const narrow: object[] = [visibleTokensWhere(actor.principal)];
  if (!filter.includeRevoked) narrow.push({ revokedAt: null });
  if (filter.after !== undefined) narrow.push({ id: { gt: filter.after } });
  // A filter naming something unknown (or another tenant's) narrows to nothing: an empty list,
  // never "not found", which would tell whether it exists.
  const idOf = async (find: () => Promise<{ id: string | number }>) => find().then((found) => found.id, () => null);
  if (filter.project !== undefined) narrow.push({ projectId: (await idOf(() => findProject(prisma, filter.project!))) ?? -1 });
  if (filter.workspace !== undefined) narrow.push({ workspaceId: (await idOf(() => findWorkspace(prisma, filter.workspace!))) ?? '' });
  if (filter.user !== undefined) narrow.push({ userId: (await idOf(() => findUser(prisma, filter.user!))) ?? '' });
  return { AND: narrow };
}

/** A page of tokens the caller may manage, oldest first (GraphQL passes its selection as `query`). */
export async function tokenPage(actor: Actor, filter: z.input<typeof tokenFilter>, query: PageQuery<PrismaTypes.ApiTokenFindManyArgs>) {
  return actor.services.prisma.apiToken.findMany({ ...query, where: await tokensWhere(actor, filter), orderBy: { id: 'asc' } });
}

export async function countTokens(actor: Actor, filter: z.input<typeof tokenFilter>): Promise<number> {
  return actor.services.prisma.apiToken.count({ where: await tokensWhere(actor, filter) });
}
