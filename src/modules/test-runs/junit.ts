// JUnit XML → one kensho/v1 run, for `intake push --junit`. The dialects differ (see
// ../shared/notes/real-clients.md): vitest names a suite per file and joins describe titles with
// " > "; jest-junit names the suite after the first describe and writes failures without
// attributes; pytest adds file and line; Maven Surefire records reruns as flakyFailure /
// rerunFailure; gotestsum --rerun-fails repeats a <testcase>; Playwright names suites by file.
// A test seen several times is one case whose last attempt counts, with `retries` set (and
// `flaky` when an earlier attempt failed and the last passed).
import crypto from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SCHEMA_VERSION, stableCaseId, type CaseStatus, type KenshoCase } from './kensho.ts';

type Node = Record<string, unknown>;

const LISTS = new Set([
  'testsuites.testsuite', 'testsuite.testsuite', 'testsuites.testsuite.testsuite', 'testsuites.testsuite.testcase', 'testsuite.testcase',
  'testsuites.testsuite.testsuite.testcase',
]);
const CHILD_LISTS = new Set(['failure', 'error', 'skipped', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  trimValues: false,
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true, // &#10; and &#xA; inside messages and stacks (pytest, go)
  isArray: (name, jpath) => LISTS.has(String(jpath)) || CHILD_LISTS.has(name),
});

const attr = (node: Node, name: string): string | undefined => (typeof node[`@_${name}`] === 'string' ? (node[`@_${name}`] as string) : undefined);
const textOf = (value: unknown): string => (typeof value === 'string' ? value : value && typeof value === 'object' ? String((value as Node)['#text'] ?? '') : '');
const looksLikePath = (value: string | undefined) => !!value && /[\\/]|\.(?:[cm]?[jt]sx?|py|go|java|rb|cs|kt)$/.test(value);

interface Attempt {
  key: string;
  kensho: KenshoCase;
  /** The suite's hostname: Playwright writes its project (chromium, firefox) there. */
  host: string | undefined;
  /** jest-junit's stray `<failure>{}</failure>` twin of a suite that failed to load. */
  stray: boolean;
}

export interface JunitFile {
  name: string;
  xml: string;
}

/** The run the files describe, with a run id derived from their bytes (a re-push is the same run). */
export function junitToKensho(files: JunitFile[], now = new Date()) {
  const attempts: Attempt[] = [];
  let framework = 'junit-xml';
  for (const file of files) {
    const valid = XMLValidator.validate(file.xml);
    if (valid !== true) throw new Error(`${file.name}: not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
    const document = parser.parse(file.xml) as Node;
    if (!('testsuites' in document) && !('testsuite' in document)) throw new Error(`${file.name}: no <testsuites> or <testsuite> element`);
    // An element with neither attributes nor children parses to '' (an empty report).
    const element = document.testsuites ?? document.testsuite;
    const root = (element && typeof element === 'object' ? element : {}) as Node;
    const rootName = attr(root, 'name') ?? '';
    if (rootName === 'vitest tests') framework = 'vitest';
    else if (rootName === 'jest tests') framework = 'jest';
    const suites = 'testsuites' in document ? ((root.testsuite as Node[] | undefined) ?? []) : [root];
    for (const suite of suites) collectSuite(suite, [], attempts, now, (name) => (name === 'pytest' ? (framework = 'pytest') : undefined));
  }
  const cases = mergeAttempts(attempts);
  const count = (status: CaseStatus) => cases.filter((item) => item.status === status).length;
  const started = cases.map((item) => Date.parse(item.startedAt)).filter(Number.isFinite);
  const startedAt = new Date(started.length ? Math.min(...started) : now.getTime());
  const finishedAt = new Date(Math.max(startedAt.getTime(), ...cases.map((item) => Date.parse(item.startedAt) + item.duration).filter(Number.isFinite)));
  const digest = crypto.createHash('sha256');
  for (const file of files) digest.update(file.xml);
  return {
    schemaVersion: SCHEMA_VERSION,
    id: `junit-${digest.digest('hex').slice(0, 20)}`,
    project: { name: 'junit', slug: 'junit' },
    framework: { name: framework, version: 'junit' },
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    totals: { pass: count('pass'), fail: count('fail'), broken: count('broken'), skip: count('skip') },
    testCases: cases,
  };
}

function collectSuite(suite: Node, parents: string[], attempts: Attempt[], now: Date, sawSuite: (name: string) => void): void {
  const name = attr(suite, 'name');
  if (name) sawSuite(name);
  const path = name && name !== 'undefined' ? [...parents, name] : parents;
  const timestamp = normaliseTimestamp(attr(suite, 'timestamp')) ?? now.toISOString();
  for (const child of (suite.testsuite as Node[] | undefined) ?? []) collectSuite(child, path, attempts, now, sawSuite);
  for (const testcase of (suite.testcase as Node[] | undefined) ?? []) attempts.push({ ...toAttempt(testcase, path, timestamp, name), host: attr(suite, 'hostname') });
}

/** jest-junit writes `2026-11-22T10:57:52` (UTC without a zone). */
function normaliseTimestamp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(date.getTime()) && date.getUTCFullYear() >= 1971 ? date.toISOString() : undefined;
}

function toAttempt(testcase: Node, suitePath: string[], startedAt: string, suiteName: string | undefined): Omit<Attempt, 'host'> {
  const name = (attr(testcase, 'name') ?? '').trim() || '(unnamed)';
  const classname = (attr(testcase, 'classname') ?? '').trim();
  const filePath = attr(testcase, 'file') ?? (looksLikePath(classname) ? classname : looksLikePath(suiteName) ? suiteName : undefined);
  const fullName = classname && classname !== name && !name.startsWith(classname) && classname !== filePath ? `${classname} › ${name}` : name;
  const failures = (testcase.failure as unknown[] | undefined) ?? [];
  const errors = (testcase.error as unknown[] | undefined) ?? [];
  const status: CaseStatus = failures.length ? 'fail' : errors.length ? 'broken' : 'skipped' in testcase ? 'skip' : 'pass';
  const problems = [...failures, ...errors].map((problem) => {
    const node = (problem && typeof problem === 'object' ? problem : {}) as Node;
    const stack = textOf(problem).trim();
    return { message: (attr(node, 'message') ?? stack.split('\n')[0] ?? '').slice(0, 60_000) || 'failed', ...(stack ? { stack: stack.slice(0, 200_000) } : {}), ...(attr(node, 'type') ? { type: attr(node, 'type') } : {}) };
  });
  // Surefire: the test passed on a rerun after these failures (flaky*), or failed every rerun (rerun*).
  const reruns = ['flakyFailure', 'flakyError', 'rerunFailure', 'rerunError'].reduce((sum, key) => sum + ((testcase[key] as unknown[] | undefined)?.length ?? 0), 0);
  const flakyReruns = ((testcase.flakyFailure as unknown[] | undefined)?.length ?? 0) + ((testcase.flakyError as unknown[] | undefined)?.length ?? 0);
  const seconds = Number(attr(testcase, 'time') ?? 0);
  const line = Number(attr(testcase, 'line'));
  const kensho: KenshoCase = {
    id: stableCaseId(fullName, filePath ?? ''),
    name,
    fullName,
    status,
    startedAt,
    duration: Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0,
    ...(filePath ? { filePath } : {}),
    ...(Number.isInteger(line) && line >= 0 ? { line } : {}),
    ...(suitePath.length ? { suite: suitePath.slice(0, 50) } : {}),
    ...(problems.length ? { errors: problems.slice(0, 100) } : {}),
    ...(reruns ? { retries: reruns } : {}),
    ...(flakyReruns && status === 'pass' ? { flaky: true } : {}),
  };
  const stray = failures.length === 1 && errors.length === 0 && textOf(failures[0]).trim() === '{}';
  return { key: kensho.id, kensho, stray };
}

/**
 * One case per test: the last attempt, counting the earlier ones as retries. The same test in
 * suites of different hosts is one case per host (Playwright projects: two browsers are two
 * results, not a retry), named as Playwright's includeProjectInTestName names them.
 */
function mergeAttempts(attempts: Attempt[]): KenshoCase[] {
  const byKey = new Map<string, Attempt[]>();
  for (const attempt of attempts) byKey.set(attempt.key, [...(byKey.get(attempt.key) ?? []), attempt]);
  const groups: Attempt[][] = [];
  for (const group of byKey.values()) {
    const hosts = new Set(group.map((attempt) => attempt.host));
    if (hosts.size === 1) {
      groups.push(group);
      continue;
    }
    for (const host of hosts) {
      groups.push(
        group
          .filter((attempt) => attempt.host === host)
          .map((attempt) => {
            const fullName = `[${host}] › ${attempt.kensho.fullName}`;
            return { ...attempt, kensho: { ...attempt.kensho, fullName, id: stableCaseId(fullName, attempt.kensho.filePath ?? ''), ...(host ? { browser: host } : {}) } };
          }),
      );
    }
  }
  return groups.map((group) => {
    const tries = group.length > 1 && group.some((attempt) => !attempt.stray) ? group.filter((attempt) => !attempt.stray) : group;
    const last = tries.at(-1)!.kensho;
    if (tries.length === 1) return last;
    const failedBefore = tries.slice(0, -1).some((attempt) => attempt.kensho.status === 'fail' || attempt.kensho.status === 'broken');
    return { ...last, retries: (last.retries ?? 0) + tries.length - 1, ...(failedBefore && last.status === 'pass' ? { flaky: true } : {}) };
  });
}
