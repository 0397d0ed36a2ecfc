// Token abilities and people's permissions, named as the documents name them. Each list is the
// one place its literals live; validation, CLI and GraphQL read from here.

/** What a project or workspace token may do (kendo/kaizen/send names). */
export const PROJECT_ABILITIES = [
  'report:create',
  'error-events:write',
  'test-runs:write',
  'task.edit',
  'task.read',
  // send.ai's import guide spells its scopes this way; both spellings are accepted.
  'tasks.edit',
  'tasks.view',
  'bug-reports:write',
] as const;
/** Personal and workspace tokens: GET-style calls need `read` (or `write`), changes need `write`. */
export const ACCESS_ABILITIES = ['read', 'write'] as const;
export const ALL_ABILITIES = [...PROJECT_ABILITIES, ...ACCESS_ABILITIES] as const;
export type Ability = (typeof ALL_ABILITIES)[number];

export const isAbility = (value: string): value is Ability => (ALL_ABILITIES as readonly string[]).includes(value);

/** Per-resource permissions a membership can grant (admins and project owners bypass them). */
export const PERMISSIONS = [
  'reports:read',
  'reports:create',
  'reports:update',
  'reports:delete',
  /** kendo's "Own" scope: delete only the reports one filed. */
  'reports:delete:own',
  'issues:read',
  'issues:update',
  'error-groups:read',
  'error-groups:create',
  'error-groups:update',
  'bug-reports:read',
  'bug-reports:update',
  'test-runs:read',
  'test-runs:create',
  'tasks:read',
  'tasks:update',
  'projects:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value);
export const isReadPermission = (permission: Permission) => permission.endsWith(':read');

/** Workspace feature flags; all on for a new workspace. */
export const FEATURES = ['reports', 'error-tracking', 'test-reports', 'task-reports'] as const;
export type Feature = (typeof FEATURES)[number];
export const isFeature = (value: string): value is Feature => (FEATURES as readonly string[]).includes(value);
