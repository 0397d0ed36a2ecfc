// Seeds shared by every module's tests: a workspace with a project, an admin, a member and tokens,
// created through the same domain services the CLI uses.
import type { Permission } from '../src/auth/abilities.ts';
import { createProject, createToken, createUser, createWorkspace, grantProjectAccess } from '../src/modules/workspaces/service.ts';
import type { Actor } from '../src/services.ts';
import { uniqueSlug } from './helpers.ts';

export async function seedWorkspace(operator: Actor, options: { features?: string[] } = {}) {
  const workspace = await createWorkspace(operator, { slug: uniqueSlug('ws'), name: 'Acme', features: options.features });
  const project = await createProject(operator, { workspace: workspace.slug, slug: uniqueSlug('web'), name: 'Acme Web' });
  const admin = await createUser(operator, { email: `${uniqueSlug('admin')}@example.com`, name: 'Ada Admin', admin: true });
  const member = await createUser(operator, { email: `${uniqueSlug('member')}@example.com`, name: 'Mo Member', workspace: workspace.slug });
  const adminToken = (await createToken(operator, { kind: 'PERSONAL', name: 'admin', user: admin.email })).secret;
  const memberToken = (await createToken(operator, { kind: 'PERSONAL', name: 'member', user: member.email })).secret;
  return { workspace, project, admin, member, adminToken, memberToken };
}

export async function projectToken(operator: Actor, project: string | number, abilities: string[], extra: { expiresAt?: Date } = {}) {
  return createToken(operator, { kind: 'PROJECT', name: 'CI', project, abilities, ...extra });
}

export async function grant(operator: Actor, user: string, project: string | number, permissions: Permission[], owner = false) {
  return grantProjectAccess(operator, { user, project, permissions, owner });
}
