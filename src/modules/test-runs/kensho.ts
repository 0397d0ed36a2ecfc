// The kensho/v1 format (../shared/reference/kaizen-test-reports.md, the open-source schema) as
// zod schemas: what finalize accepts. Objects refuse unknown members as the schema does, except
// the case, which also takes the 0.3.0 additions (flaky, muted, category, sourceSnippet). Text
// holding NUL is refused (a kensho writer never produces it), and every string and list is
// bounded so one push cannot hold the server.
import { z } from 'zod';
import { ValidationFailed } from '../../errors.ts';
import { isoDateSchema, jsonDepthExceeds, MAX_INT32, MAX_JSON_DEPTH, parseInput } from '../../validation.ts';

export const SCHEMA_VERSION = 'kensho/v1';

const text = (max: number) => z.string().max(max).refine((value) => !value.includes('\u0000'), { params: { message: 'must not contain NUL characters' } });
const id = text(200).min(1);
const count = z.number().int().min(0).max(MAX_INT32);
const stringMap = z.record(text(200), text(4000));
/** Free-form JSON (attachment meta, assertion values): any shape, at most MAX_JSON_DEPTH levels. */
const freeJson = z.unknown().refine((value) => !jsonDepthExceeds(value, MAX_JSON_DEPTH), { params: { message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` } });

export const FRAMEWORKS = [
  'playwright', 'cypress', 'jest', 'vitest', 'cucumber-js', 'pytest', 'behave', 'rspec', 'cucumber-ruby', 'junit5', 'testng', 'nunit', 'mstest',
  'robot', 'go-test', 'junit-xml',
] as const;
export const CASE_STATUSES = ['pass', 'fail', 'broken', 'skip'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const link = z.strictObject({ kind: text(100).optional(), url: text(4000), label: text(1000).optional() });
const parameter = z.strictObject({
  name: text(1000),
  value: text(10_000),
  hidden: z.boolean().optional(),
  kind: z.enum(['argument', 'context', 'env', 'data-row']).optional(),
});
const log = z.strictObject({ t: z.number().min(0), level: z.enum(['debug', 'info', 'warn', 'error']), msg: text(65_536) });

export const attachmentSchema = z.strictObject({
  id,
  kind: z.enum(['screenshot', 'video', 'trace', 'har', 'text', 'json', 'html', 'dom-snapshot', 'log']),
  relativePath: text(1000).min(1),
  mimeType: text(200).min(1),
  sizeBytes: count.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  thumbnailRef: text(1000).optional(),
  meta: z.record(z.string().max(200), freeJson).optional(),
});
export type KenshoAttachment = z.infer<typeof attachmentSchema>;

const MAX_STEP_DEPTH = 32;
interface Step {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  startedAt: string;
  duration: number;
  children?: Step[];
  [key: string]: unknown;
}
const stepFields = {
  id,
  title: text(4000),
  status: z.enum(['pass', 'fail', 'skip']),
  startedAt: isoDateSchema,
  duration: count,
  action: text(200).optional(),
  target: text(4000).optional(),
  phase: z.enum(['setup', 'body', 'teardown']).optional(),
  logs: z.array(log).max(10_000).optional(),
  network: z
    .array(
      z.strictObject({
        method: text(20),
        url: text(8000),
        status: z.number().int(),
        durationMs: z.number().min(0),
        sizeBytes: count.optional(),
        requestBody: text(65_536).optional(),
        responseBody: text(65_536).optional(),
      }),
    )
    .max(10_000)
    .optional(),
  parameters: z.array(parameter).max(1000).optional(),
  attachments: z.array(attachmentSchema).max(1000).optional(),
  assertion: z.strictObject({ expected: freeJson, received: freeJson, diff: text(65_536).optional(), stack: text(65_536).optional() }).partial().optional(),
  dom: z.strictObject({ beforeRef: text(1000).optional(), afterRef: text(1000).optional() }).optional(),
};
// One recursive schema (one $ref in the OpenAPI document); its depth is bounded before parsing
// (parseKenshoRun), so a hostile tree never recurses deep.
const stepSchema: z.ZodType<Step> = z.strictObject({
  ...stepFields,
  get children() {
    return z.array(stepSchema).max(10_000).optional();
  },
}) as unknown as z.ZodType<Step>;

export const caseSchema = z.strictObject({
  id,
  name: text(2000).min(1),
  fullName: text(4000).min(1),
  status: z.enum(CASE_STATUSES),
  startedAt: isoDateSchema,
  duration: count,
  filePath: text(1000).optional(),
  line: count.optional(),
  suite: z.array(text(1000)).max(50).optional(),
  tags: z.array(text(200)).max(200).optional(),
  severity: z.enum(['blocker', 'critical', 'normal', 'minor', 'trivial']).optional(),
  owner: text(200).optional(),
  labels: stringMap.optional(),
  finishedAt: isoDateSchema.optional(),
  retryOf: text(200).optional(),
  retries: count.optional(),
  browser: text(200).optional(),
  platform: text(200).optional(),
  worker: z.union([text(200), count]).optional(),
  steps: z.array(stepSchema).max(10_000).optional(),
  errors: z.array(z.strictObject({ message: text(65_536), stack: text(262_144).optional(), type: text(1000).optional() })).max(100).optional(),
  attachments: z.array(attachmentSchema).max(1000).optional(),
  logs: z.array(log).max(10_000).optional(),
  behavior: z.strictObject({ epic: text(1000).optional(), feature: text(1000).optional(), scenario: text(1000).optional(), gherkin: z.array(text(4000)).max(1000).optional() }).optional(),
  parameters: z.array(parameter).max(1000).optional(),
  description: text(65_536).optional(),
  history: z
    .array(z.strictObject({ runId: text(200), status: z.enum(CASE_STATUSES), startedAt: isoDateSchema, duration: count.optional(), commit: text(200).optional(), branch: text(1000).optional() }))
    .max(1000)
    .optional(),
  links: z.array(link).max(100).optional(),
  // kensho 0.3.0
  flaky: z.boolean().optional(),
  muted: z.boolean().optional(),
  category: text(1000).optional(),
  sourceSnippet: z
    .strictObject({
      file: text(1000).optional(),
      line: count.optional(),
      lang: text(50).optional(),
      lines: z.array(z.strictObject({ n: count, text: text(4000), isError: z.boolean().optional() })).max(200).optional(),
    })
    .optional(),
});
export type KenshoCase = z.infer<typeof caseSchema>;

const ENV_TEXT = [
  'branch', 'commit', 'commitMsg', 'author', 'runUrl', 'repoUrl', 'os', 'osVersion', 'arch', 'nodeVersion', 'pythonVersion', 'stage', 'baseUrl',
  'appVersion', 'buildNumber', 'release', 'device', 'viewport', 'region', 'locale', 'timezone', 'tunnel', 'trigger', 'feature',
] as const;
const envText = Object.fromEntries(ENV_TEXT.map((name) => [name, text(name === 'commitMsg' ? 65_536 : 1000).optional()])) as Record<
  (typeof ENV_TEXT)[number],
  z.ZodOptional<ReturnType<typeof text>>
>;
const envSchema = z.strictObject({
  ci: z.enum(['github-actions', 'circleci', 'gitlab', 'jenkins', 'buildkite', 'azure-devops', 'local', 'unknown']).optional(),
  ...envText,
  browsers: z.array(text(200)).max(50).optional(),
  workers: z.number().int().min(1).max(100_000).optional(),
  vars: stringMap.optional(),
});

/** Cases in one push; the benchmark pushes 10,000. */
export const MAX_CASES = 50_000;

export const runSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id,
  project: z.strictObject({ name: text(1000).optional(), slug: z.string().regex(/^[a-z0-9][a-z0-9-_]*$/).max(100), url: text(4000).optional() }),
  framework: z.strictObject({ name: z.enum(FRAMEWORKS), version: text(100) }),
  startedAt: isoDateSchema,
  finishedAt: isoDateSchema,
  totals: z.strictObject({ pass: count, fail: count, broken: count, skip: count, flaky: count.optional() }),
  testCases: z.array(caseSchema).max(MAX_CASES),
  env: envSchema.optional(),
  durationMs: count.optional(),
  categories: z
    .array(z.strictObject({ name: text(1000), matchMessage: text(1000).optional(), matchStatus: z.enum(['fail', 'broken']).optional(), description: text(4000).optional() }))
    .max(100)
    .optional(),
  links: z.array(link).max(100).optional(),
});
export type KenshoRun = z.infer<typeof runSchema>;

/** The kensho stable case id: `tc_` + two 32-bit FNV-1a variants over `fullName::filePath`. */
export function stableCaseId(fullName: string, filePath = ''): string {
  const source = `${fullName}::${filePath}`;
  let h1 = 0x811c9dc5 >>> 0;
  let h2 = 0x01000193 >>> 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca6b) >>> 0;
  }
  return `tc_${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

export const isFailing = (status: string): boolean => status === 'fail' || status === 'broken';

/**
 * A run, validated: step trees deeper than MAX_STEP_DEPTH are refused first (each step level is
 * two JSON levels), then the schema; errors name JSON paths (`testCases.3.steps`).
 */
export function parseKenshoRun(value: unknown): KenshoRun {
  const cases = (value as { testCases?: unknown } | null)?.testCases;
  if (Array.isArray(cases)) {
    cases.forEach((item, index) => {
      const steps = (item as { steps?: unknown } | null)?.steps;
      if (steps !== undefined && jsonDepthExceeds(steps, MAX_STEP_DEPTH * 2)) {
        throw ValidationFailed.field(`testCases.${index}.steps`, `Steps must not nest deeper than ${MAX_STEP_DEPTH} levels.`);
      }
    });
  }
  return parseInput(runSchema, value);
}
