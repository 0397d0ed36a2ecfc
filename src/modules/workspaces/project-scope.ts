// Ingest paths look up the same few projects thousands of times a second; the scope they need
// (id, workspace, feature flags) is cached per process for a few seconds, like principals, and so
// is the project's row, which the board's `project(id:)` reads on every request. A feature switched
// or a project changed in this process takes effect at once; on other instances within the TTL,
// counted by the domain clock (so tests decide when entries expire).
import type { Feature } from '../../auth/abilities.ts';
import { authorizeProject, authorizeWorkspace, canSeeProject, requireAuthenticated, requireFeature, type ProjectRule, type Reach, type WorkspaceRule } from '../../auth/permissions.ts';
import { NotFound } from '../../errors.ts';
import type { Actor, Services } from '../../services.ts';
import type { Project } from '../../generated/prisma/client.ts';
import { isDatabaseId } from '../../validation.ts';

export interface ProjectScope {
  id: number;
  workspaceId: string;
  features: Feature[];
}

const TTL_MS = 5_000;
const caches = new WeakMap<Services, Map<number, { scope: ProjectScope; row: Project; expiresAt: number }>>();

/** The project with this numeric id (as the kendo routes name it), or NotFound. */
export async function projectScope(services: Services, ref: string | number): Promise<ProjectScope> {
  return (await cachedProject(services, ref)).scope;
}

/** The project's row (the columns only) with this numeric id, or NotFound. */
export async function projectRow(services: Services, ref: string | number): Promise<Project> {
  return (await cachedProject(services, ref)).row;
}

async function cachedProject(services: Services, ref: string | number): Promise<{ scope: ProjectScope; row: Project }> {
  // Only a canonical decimal id names a project: `01`, `1.0`, `0x1`, `1e0` or ` 1` name none.
  if (typeof ref === 'string' && !/^[1-9]\d{0,9}$/.test(ref)) throw new NotFound('Project');
  const id = Number(ref);
  if (!isDatabaseId(id)) throw new NotFound('Project');
  let cache = caches.get(services);
  if (!cache) caches.set(services, (cache = new Map()));
  const now = services.clock.now().getTime();
  const hit = cache.get(id);
  if (hit && hit.expiresAt > now) return hit;
  const found = await services.prisma.project.findUnique({ where: { id }, include: { workspace: { select: { features: true } } } });
  if (!found) throw new NotFound('Project');
  const { workspace, ...row } = found;
  const entry = { scope: { id: row.id, workspaceId: row.workspaceId, features: workspace.features as Feature[] }, row, expiresAt: now + TTL_MS };
  cache.set(id, entry);
  return entry;
}

export function forgetProjectScopes(services: Services): void {
  caches.delete(services);
}

/**
 * The project, once the caller may do `rule` there (and its workspace has `feature`, if named),
 * with how far the caller reaches (`own`: only records they created).
 */
export async function authorizedProjectScope(actor: Actor, ref: string | number, rule: ProjectRule, feature?: Feature): Promise<ProjectScope & { reach: Reach }> {
  requireAuthenticated(actor.principal);
  const project = await projectScope(actor.services, ref);
  const reach = authorizeProject(actor.principal, project, rule);
  if (feature) requireFeature(project, feature);
  return { ...project, reach };
}

/** For `viewerCan…` fields: the caller's reach if they may do `rule` in the project, else null (never an error). */
export const viewerReach = (actor: Actor, projectId: number, rule: ProjectRule, feature?: Feature): Promise<Reach | null> =>
  authorizedProjectScope(actor, projectId, rule, feature).then((scope) => scope.reach, () => null);

/** viewerReach as a yes or no: may the caller do `rule` in the project at all. */
export const viewerMay = (actor: Actor, projectId: number, rule: ProjectRule, feature?: Feature): Promise<boolean> =>
  viewerReach(actor, projectId, rule, feature).then((reach) => reach !== null);

/** Workspace-level authorization (see WorkspaceRule); a project token's workspace is looked up. */
export async function authorizedWorkspace(actor: Actor, workspaceId: string | null, rule: WorkspaceRule): Promise<void> {
  const { principal, services } = actor;
  const tokenWorkspaceId = principal.kind === 'project-token' ? (await projectScope(services, principal.projectId)).workspaceId : undefined;
  authorizeWorkspace(principal, workspaceId, rule, tokenWorkspaceId);
}

/**
 * For a record found by id: its project, once the caller may do `rule` there. A caller who cannot
 * see the project hears that the record is not found (the same answer as for an id that does not
 * exist), never that its project is elsewhere.
 */
export async function authorizedRecordProject(actor: Actor, resource: string, projectId: number, rule: ProjectRule, feature?: Feature) {
  requireAuthenticated(actor.principal);
  try {
    // Checked first: a token of another project would otherwise hear kendo's "not linked" 422.
    if (!canSeeProject(actor.principal, await projectScope(actor.services, projectId))) throw new NotFound(resource);
    return await authorizedProjectScope(actor, projectId, rule, feature);
  } catch (error) {
    if (error instanceof NotFound) throw new NotFound(resource);
    throw error;
  }
}
