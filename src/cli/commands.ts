// The `intake` CLI contract (ARCHITECTURE.md): argv → command → result. Commands run through the
// same domain services as GraphQL and REST, as the local operator.
import type { ApiToken, Project, User, Workspace } from '../generated/prisma/client.ts';
import { operatorPrincipal } from '../auth/principal.ts';
import { list, optional, required, UsageError, usageOf, type Command, type CommandResult } from './parse.ts';
import type { Services } from '../services.ts';
import {
  createProject, createToken, createUser, createWorkspace, grantProjectAccess, revokeToken, setWorkspaceFeatures, tokenPage,
} from '../modules/workspaces/service.ts';

/** Run one command as the local operator. Domain errors propagate (the caller maps exit codes). */
export async function executeCommand(services: Services, command: Command): Promise<CommandResult> {
  const actor = { services, principal: operatorPrincipal() };
  switch (command.path) {
    case 'migrate': {
      const applied = await services.db.migrate();
      return { summary: applied.length ? `applied ${applied.join(', ')}` : 'database is up to date', applied };
    }
    case 'workspace create': {
      const features = command.options.features === undefined ? undefined : list(command, 'features');
      const workspace = await createWorkspace(actor, { slug: required(command, 'slug'), name: required(command, 'name'), features });
      return { summary: `created workspace ${workspace.slug} (${workspace.id})`, workspace: workspaceJson(workspace) };
    }
    case 'workspace features': {
      const workspace = await setWorkspaceFeatures(actor, command.positionals[0]!, { enable: list(command, 'enable'), disable: list(command, 'disable') });
      return { summary: `${workspace.slug} features: ${workspace.features.join(', ') || '(none)'}`, workspace: workspaceJson(workspace) };
    }
    case 'project create': {
      const project = await createProject(actor, { workspace: required(command, 'workspace'), slug: required(command, 'slug'), name: required(command, 'name') });
      return { summary: `created project ${project.slug} (id ${project.id}, ${project.publicId})`, project: projectJson(project) };
    }
    case 'user create': {
      const user = await createUser(actor, {
        email: required(command, 'email'), name: required(command, 'name'), admin: command.options.admin === true, workspace: optional(command, 'workspace'),
      });
      return { summary: `created ${user.role === 'ADMIN' ? 'admin' : 'user'} ${user.email} (${user.id})`, user: userJson(user) };
    }
    case 'user grant': {
      const membership = await grantProjectAccess(actor, {
        user: required(command, 'user'), project: required(command, 'project'), owner: command.options.owner === true,
        permissions: list(command, 'permission') as never,
      });
      return { summary: `granted ${membership.isOwner ? 'ownership' : membership.permissions.join(', ') || 'access'}`, membership };
    }
    case 'token create': {
      const project = optional(command, 'project');
      const workspace = optional(command, 'workspace');
      const user = optional(command, 'user');
      const kind = project !== undefined ? 'PROJECT' : workspace !== undefined ? 'WORKSPACE' : user !== undefined ? 'PERSONAL' : undefined;
      if (!kind) throw new UsageError(`one of --project, --workspace or --user is required\nusage: ${usageOf(command)}`);
      const expiresAt = optional(command, 'expires-at');
      const expires = expiresAt === undefined ? undefined : new Date(expiresAt);
      if (expires && Number.isNaN(expires.getTime())) throw new UsageError(`--expires-at is not an ISO-8601 date: ${expiresAt}`);
      const created = await createToken(actor, { name: required(command, 'name'), kind, project, workspace, user, abilities: list(command, 'ability'), expiresAt: expires });
      return {
        summary: `created ${kind.toLowerCase()} token ${created.token.id} (${created.token.abilities.join(', ')})\n${created.secret}\nThe secret is shown once; store it now.`,
        token: tokenJson(created.token),
        secret: created.secret,
      };
    }
    case 'token list': {
      const limit = Number(optional(command, 'limit') ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
      const filter = {
        project: optional(command, 'project'), workspace: optional(command, 'workspace'), user: optional(command, 'user'),
        includeRevoked: command.options.revoked === true, after: optional(command, 'after'),
      };
      const rows = await tokenPage(actor, filter, { take: limit + 1 });
      const tokens = rows.slice(0, limit).map(tokenJson);
      const next = rows.length > limit ? tokens.at(-1)!.id : null;
      const lines = tokens.map((t) => `${t.id}  ${t.kind.toLowerCase().padEnd(9)} ${t.prefix}…  ${t.name}  [${t.abilities.join(', ')}]${t.revokedAt ? '  (revoked)' : ''}`);
      if (next) lines.push(`… more: intake token list --after ${next}`);
      return { summary: lines.join('\n') || 'no tokens', tokens, next };
    }
    case 'token revoke': {
      const token = await revokeToken(actor, command.positionals[0]!);
      return { summary: `revoked token ${token.id}`, token: tokenJson(token) };
    }
  }
  throw new UsageError(`unknown command: ${command.path}`);
}

const workspaceJson = (w: Workspace) => ({ id: w.id, slug: w.slug, name: w.name, features: w.features });
const projectJson = (p: Project) => ({ id: p.id, publicId: p.publicId, workspaceId: p.workspaceId, slug: p.slug, name: p.name });
const userJson = (u: User) => ({ id: u.id, email: u.email, name: u.name, role: u.role });
const tokenJson = (t: ApiToken) => ({
  id: t.id, name: t.name, kind: t.kind, prefix: t.prefix, abilities: t.abilities, projectId: t.projectId,
  workspaceId: t.workspaceId, userId: t.userId, createdById: t.createdById, parentTokenId: t.parentTokenId,
  expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt,
});

