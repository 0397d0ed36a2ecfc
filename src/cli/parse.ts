// The `intake` CLI contract (ARCHITECTURE.md): argv → a serialisable command. Kept apart from
// the commands themselves so the CLI can parse and forward to a running server without loading
// the database client or the app.
import { parseArgs } from 'node:util';
import { DomainError } from '../errors.ts';

export class UsageError extends Error {}

/** A parsed command line: serialisable, so it can travel to a running server over its socket. */
export interface Command {
  path: string;
  options: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
}

interface CommandSpec {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  positionals: number;
}

const SPECS: Record<string, CommandSpec> = {
  migrate: { usage: 'intake migrate', options: {}, positionals: 0 },
  'workspace create': {
    usage: 'intake workspace create --slug acme --name "Acme" [--features reports,error-tracking,...]',
    options: { slug: { type: 'string' }, name: { type: 'string' }, features: { type: 'string' } },
    positionals: 0,
  },
  'workspace features': {
    usage: 'intake workspace features <workspace> [--enable reports] [--disable error-tracking]',
    options: { enable: { type: 'string', multiple: true }, disable: { type: 'string', multiple: true } },
    positionals: 1,
  },
  'project create': {
    usage: 'intake project create --workspace acme --slug acme-web --name "Acme Web"',
    options: { workspace: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' } },
    positionals: 0,
  },
  'user create': {
    usage: 'intake user create --email ada@example.com --name "Ada" [--admin] [--workspace acme]',
    options: { email: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' }, workspace: { type: 'string' } },
    positionals: 0,
  },
  'user grant': {
    usage: 'intake user grant --user ada@example.com --project <id|slug|prj_…> [--owner] [--permission reports:read ...]',
    options: { user: { type: 'string' }, project: { type: 'string' }, owner: { type: 'boolean' }, permission: { type: 'string', multiple: true } },
    positionals: 0,
  },
  'token create': {
    usage:
      'intake token create --name CI (--project <id|slug|prj_…> --ability report:create [--ability …] | --user ada@example.com | --workspace acme) [--expires-at ISO-8601]',
    options: {
      name: { type: 'string' }, project: { type: 'string' }, user: { type: 'string' }, workspace: { type: 'string' },
      ability: { type: 'string', multiple: true }, 'expires-at': { type: 'string' },
    },
    positionals: 0,
  },
  'token revoke': { usage: 'intake token revoke <token-id>   (also revokes every token minted with it)', options: {}, positionals: 1 },
  'token list': {
    usage: 'intake token list [--project <id|slug|prj_…>] [--workspace acme] [--user ada@example.com] [--revoked] [--limit 100] [--after <token-id>]',
    options: {
      project: { type: 'string' }, workspace: { type: 'string' }, user: { type: 'string' }, revoked: { type: 'boolean' },
      limit: { type: 'string' }, after: { type: 'string' },
    },
    positionals: 0,
  },
};

export const PUSH_USAGE =
  'intake push [dir] [--junit <file|glob> ...] --workspace acme --project acme-web [--token T] [--server URL] [--label k=v ...] [--dry-run] [--no-attachments] [--strict] [--quiet] [--json]';

export const usage = () => ['Usage:', ...Object.values(SPECS).map((s) => `  ${s.usage}`), `  ${PUSH_USAGE}`, '', 'Every command accepts --json.'].join('\n');

export function parseCommand(argv: string[]): Command {
  const words = argv.filter((a) => !a.startsWith('-'));
  const path = [words.slice(0, 2).join(' '), words[0] ?? ''].find((p) => p in SPECS);
  if (!path) throw new UsageError(argv.length ? `unknown command: ${words.slice(0, 2).join(' ') || argv.join(' ')}` : 'no command given');
  const spec = SPECS[path]!;
  const rest = [...argv];
  for (const word of path.split(' ')) rest.splice(rest.indexOf(word), 1);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...spec.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: ${spec.usage}`);
  }
  if (parsed.positionals.length !== spec.positionals) {
    throw new UsageError(`expected ${spec.positionals} argument(s), got ${parsed.positionals.length}\nusage: ${spec.usage}`);
  }
  const { json, ...options } = parsed.values as Command['options'] & { json?: boolean };
  return { path, options, positionals: parsed.positionals, json: Boolean(json) };
}

export const usageOf = (command: Command): string => SPECS[command.path]?.usage ?? usage();

export const required = (command: Command, name: string): string => {
  const value = command.options[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required\nusage: ${usageOf(command)}`);
  return value;
};
export const optional = (command: Command, name: string) => (typeof command.options[name] === 'string' ? (command.options[name] as string) : undefined);
export const list = (command: Command, name: string): string[] => {
  const value = command.options[name];
  const values = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
};

export type CommandResult = Record<string, unknown> & { summary: string };

/** Errors as the CLI prints them with --json. */
export function errorJson(error: unknown) {
  if (error instanceof DomainError) {
    return { code: error.code, message: error.message, ...('fields' in error ? { fields: (error as { fields: unknown }).fields } : {}) };
  }
  if (error instanceof UsageError) return { code: 'usage', message: error.message };
  return { code: 'internal', message: (error as Error).message };
}
