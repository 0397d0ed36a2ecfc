// One authorisation check for every skin: services call it at the top of each method.
import type { Project, Workspace } from '../generated/prisma/client.ts';
import { FeatureRestricted, Forbidden, NotFound, Unauthenticated, ValidationFailed } from '../errors.ts';
import { isReadPermission, type Ability, type Feature, type Permission } from './abilities.ts';
import type { Principal, UserWithMemberships } from './principal.ts';

export interface ProjectRule {
  /** What a person (or a token acting as one) needs. */
  permission: Permission;
  /** A project/workspace token may do this when it carries this ability (or one of these). */
  tokenAbility?: Ability | readonly Ability[];
  /**
   * Only a project token linked to the project: reserved for external systems (error ingest:
   * "the single project the token is linked to"). People and workspace tokens are refused.
   */
  projectTokenOnly?: boolean;
  /** A project token's owner must also hold this permission. */
  ownerPermission?: Permission;
  /** kendo's "Own" scope: a person holding only this may act on records they created. */
  ownPermission?: Permission;
}

/** How far an authorized caller reaches: every record, or only those they created. */
export type Reach = 'all' | 'own';

type ProjectScope = Pick<Project, 'id' | 'workspaceId'>;

export function requireAuthenticated(principal: Principal): asserts principal is Exclude<Principal, { kind: 'anonymous' }> {
  if (principal.kind === 'anonymous') throw new Unauthenticated();
}

export type Access = 'read' | 'write';

/**
 * Personal and workspace tokens carry `read` and/or `write`: reads need either, changes need
 * `write` — for administrators too (an admin's read-only token changes nothing).
 */
export function requireAccess(principal: Principal, access: Access): void {
  requireAuthenticated(principal);
  const needed = access === 'read' ? ['read', 'write'] : ['write'];
  if (!needed.some((ability) => principal.abilities.includes(ability))) throw new Forbidden(`The token lacks the ${access} ability.`);
}

export const isAdmin = (principal: Principal): boolean => principal.kind === 'user' && principal.user.role === 'ADMIN';

/** Can this person do `permission` on the project? Admins and project owners bypass. */
export function userMay(user: UserWithMemberships, project: ProjectScope, permission: Permission): boolean {
  if (user.role === 'ADMIN') return true;
  const relevant = user.memberships.filter(
    (m) => m.workspaceId === project.workspaceId && (m.projectId === null || m.projectId === project.id),
  );
  return relevant.some((m) => (m.isOwner && m.projectId === project.id) || m.permissions.includes(permission));
}

/** May the person see the project at all (any membership in it or its workspace)? */
export function userSees(user: UserWithMemberships, project: ProjectScope): boolean {
  return (
    user.role === 'ADMIN' ||
    user.memberships.some((m) => m.workspaceId === project.workspaceId && (m.projectId === null || m.projectId === project.id))
  );
}

const holdsAbility = (principal: { abilities: readonly string[] }, ability: Ability | readonly Ability[]) =>
  (typeof ability === 'string' ? [ability] : ability).some((one) => principal.abilities.includes(one));
const abilityName = (ability: Ability | readonly Ability[]) => (typeof ability === 'string' ? ability : ability.join(' or '));

export function authorizeProject(principal: Principal, project: ProjectScope, rule: ProjectRule): Reach {
  switch (principal.kind) {
    case 'anonymous':
      throw new Unauthenticated();
    case 'user': {
      if (rule.projectTokenOnly) throw new Forbidden('Personal access tokens cannot call this endpoint; use a project token.');
      if (!userSees(principal.user, project)) throw new NotFound('Project');
      requireAccess(principal, isReadPermission(rule.permission) ? 'read' : 'write');
      if (userMay(principal.user, project, rule.permission)) return 'all';
      if (rule.ownPermission && userMay(principal.user, project, rule.ownPermission)) return 'own';
      throw new Forbidden(`Missing the ${rule.permission} permission.`);
    }
    case 'project-token': {
      if (!rule.tokenAbility) throw new Forbidden('Project tokens cannot call this endpoint.');
      if (principal.projectId !== project.id) {
        // kendo documents a token for another project as a validation failure (422), not 403.
        throw ValidationFailed.field('token', 'The token is not linked to this project.');
      }
      if (!holdsAbility(principal, rule.tokenAbility)) throw new Forbidden(`The token lacks the ${abilityName(rule.tokenAbility)} ability.`);
      if (rule.ownerPermission && principal.owner && !userMay(principal.owner, project, rule.ownerPermission)) {
        throw new Forbidden(`The token's owner lacks the ${rule.ownerPermission} permission.`);
      }
      return 'all';
    }
    case 'workspace-token': {
      if (principal.workspaceId !== project.workspaceId) throw new NotFound('Project');
      if (rule.projectTokenOnly) throw new Forbidden('Workspace tokens cannot call this endpoint; use a project token.');
      if (rule.tokenAbility && holdsAbility(principal, rule.tokenAbility)) return 'all';
      requireAccess(principal, isReadPermission(rule.permission) ? 'read' : 'write');
      return 'all';
    }
  }
}

/**
 * What a call at workspace level needs (bug reports; test runs and tasks to come): people need
 * the access ability and, unless `adminOnly`, membership of the workspace (and `permission` at
 * workspace level, when named); tokens need `tokenAbility` (else a workspace token's access
 * ability). `workspaceId` null is a call outside any workspace (a person's own bug reports).
 */
export interface WorkspaceRule {
  access: Access;
  adminOnly?: boolean;
  permission?: Permission;
  tokenAbility?: Ability;
}

/** `tokenWorkspaceId`: the workspace of a project token's project (the caller looks it up). */
export function authorizeWorkspace(principal: Principal, workspaceId: string | null, rule: WorkspaceRule, tokenWorkspaceId?: string): void {
  requireAuthenticated(principal);
  switch (principal.kind) {
    case 'user': {
      requireAccess(principal, rule.access);
      if (isAdmin(principal)) return;
      if (rule.adminOnly) throw new Forbidden('Only administrators may do this.');
      if (workspaceId === null) return;
      const memberships = principal.user.memberships.filter((m) => m.workspaceId === workspaceId);
      if (memberships.length === 0) throw new NotFound('Workspace');
      if (rule.permission && !memberships.some((m) => m.projectId === null && m.permissions.includes(rule.permission!))) {
        throw new Forbidden(`Missing the ${rule.permission} permission.`);
      }
      return;
    }
    case 'workspace-token':
    case 'project-token': {
      const own = principal.kind === 'workspace-token' ? principal.workspaceId : tokenWorkspaceId;
      if (workspaceId !== null && own !== workspaceId) throw new NotFound('Workspace');
      if (rule.tokenAbility && principal.abilities.includes(rule.tokenAbility)) return;
      if (rule.adminOnly || principal.kind === 'project-token') throw new Forbidden(`The token lacks the ${rule.tokenAbility ?? 'required'} ability.`);
      requireAccess(principal, rule.access);
      return;
    }
  }
}

export function requireFeature(workspace: Pick<Workspace, 'features'>, feature: Feature): void {
  if (!workspace.features.includes(feature)) throw new FeatureRestricted(feature);
}

/** Admin-only operations (workspace and project creation, user management); changes need `write`. */
export function requireAdmin(principal: Principal, access: Access = 'write'): void {
  requireAuthenticated(principal);
  if (!isAdmin(principal)) throw new Forbidden('Only administrators may do this.');
  requireAccess(principal, access);
}

/** May this principal see the project at all (board, GraphQL lookups)? */
export function canSeeProject(principal: Principal, project: ProjectScope): boolean {
  switch (principal.kind) {
    case 'anonymous':
      return false;
    case 'user':
      return userSees(principal.user, project);
    case 'project-token':
      return principal.projectId === project.id;
    case 'workspace-token':
      return principal.workspaceId === project.workspaceId;
  }
}

/** Prisma filter for the projects a principal may see (lists). */
export function visibleProjectsWhere(principal: Principal): { id?: number; workspaceId?: string | { in: string[] }; OR?: object[] } {
  switch (principal.kind) {
    case 'anonymous':
      return { id: -1 };
    case 'project-token':
      return { id: principal.projectId };
    case 'workspace-token':
      return { workspaceId: principal.workspaceId };
    case 'user': {
      if (principal.user.role === 'ADMIN') return {};
      const m = principal.user.memberships;
      return {
        OR: [
          { workspaceId: { in: m.filter((x) => x.projectId === null).map((x) => x.workspaceId) } },
          { id: { in: m.flatMap((x) => (x.projectId === null ? [] : [x.projectId])) } },
        ],
      };
    }
  }
}
