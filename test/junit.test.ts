// JUnit XML → kensho/v1 (`intake push --junit`) over the dialects real tools write: vitest and
// jest-junit (captured output, ../shared/notes/real-clients.md), and samples in the documented
// formats of pytest, Maven Surefire (reruns), gotestsum --rerun-fails and Playwright. Plus one
// push of a glob of files through the CLI to a running server.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { junitToKensho } from '../src/modules/test-runs/junit.ts';
import { runSchema, stableCaseId, type KenshoCase } from '../src/modules/test-runs/kensho.ts';
import { createToken } from '../src/modules/workspaces/service.ts';
import { bearer, createTestApp, type TestApp } from './helpers.ts';
import { seedWorkspace } from './fixtures.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/junit/', import.meta.url));
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const convert = (name: string, now?: Date) => junitToKensho([{ name, xml: read(name) }], now);
type Run = ReturnType<typeof junitToKensho>;

const byName = (run: Run, fullName: string): KenshoCase => {
  const found = run.testCases.filter((item) => item.fullName === fullName);
  expect(found, `${fullName} in ${run.testCases.map((item) => item.fullName).join(', ')}`).toHaveLength(1);
  return found[0]!;
};

interface Expected {
  framework: string;
  cases: number;
  totals: { pass: number; fail: number; broken: number; skip: number };
  check?: (run: Run) => void;
}

const DIALECTS: Record<string, Expected> = {
  'vitest-junit.xml': {
    framework: 'vitest',
    cases: 5,
    totals: { pass: 2, fail: 1, broken: 0, skip: 2 }, // skip and todo are both <skipped/>
    check(run) {
      const failing = byName(run, 'math > nested group > fails with assertion');
      expect(failing).toMatchObject({ status: 'fail', filePath: 'vt/math.test.js', suite: ['vt/math.test.js'], startedAt: '2026-11-22T10:57:42.220Z', duration: 6 });
      expect(failing.errors![0]).toMatchObject({ message: 'expected 4 to be 5 // Object.is equality', type: 'AssertionError' });
      expect(failing.errors![0]!.stack).toContain('❯ vt/math.test.js:13:25');
      expect(byName(run, 'top-level passing in second file').filePath).toBe('vt/sub/other.test.js');
      expect(run.startedAt).toBe('2026-11-22T10:57:42.220Z');
    },
  },
  'vitest-junit-variant.xml': {
    // suiteName "my-suite" replaces vitest's "vitest tests" root name: nothing left says vitest.
    framework: 'junit-xml',
    cases: 3,
    totals: { pass: 1, fail: 2, broken: 0, skip: 0 }, // vitest reports an import-time crash as a <failure>
    check(run) {
      expect(byName(run, 'vt2/broken.test.js')).toMatchObject({ status: 'fail', filePath: 'vt2/broken.test.js' });
      expect(byName(run, 'throws a non-assertion error').errors![0]).toMatchObject({ message: 'cannot read "x" of <undefined> & more', type: 'TypeError' });
    },
  },
  'jest-junit.xml': {
    framework: 'jest',
    cases: 5,
    // jest-junit writes test.todo as a plain testcase: indistinguishable from a pass.
    totals: { pass: 3, fail: 1, broken: 0, skip: 1 },
    check(run) {
      const failing = byName(run, 'math nested group fails with assertion');
      expect(failing.status).toBe('fail');
      // jest-junit's <failure> has no attributes: the message is the stack's first line.
      expect(failing.errors![0]!.message).toBe('Error: expect(received).toBe(expected) // Object.is equality');
      expect(failing.errors![0]!.stack).toContain('math.test.js:9:25');
      // The suite literally named "undefined" (a file without describe) is no suite; names are trimmed.
      const topLevel = byName(run, 'top-level passing in second file');
      expect(topLevel.suite).toBeUndefined();
      expect(topLevel.name).toBe('top-level passing in second file');
      // "2026-11-22T10:57:52" is UTC without a zone.
      expect(topLevel.startedAt).toBe('2026-11-22T10:57:52.000Z');
    },
  },
  'jest-junit-variant.xml': {
    framework: 'jest',
    cases: 4,
    // The file that failed to load is one broken case: jest-junit writes its <error> testcase
    // and then a stray twin holding `<failure>{}</failure>` (real-clients.md) — not a retry.
    totals: { pass: 1, fail: 1, broken: 1, skip: 1 },
    check(run) {
      expect(byName(run, 'math › adds numbers')).toMatchObject({ status: 'pass', filePath: 'jt2/math.test.js' });
      const broken = run.testCases.find((item) => item.filePath === 'jt2/broken.test.js')!;
      expect(broken.status).toBe('broken');
      expect(broken.errors![0]!.message).toContain('Test suite failed to run');
      expect(broken.errors![0]!.stack).toContain('import-time failure');
      expect(broken.retries).toBeUndefined();
      expect(broken.flaky).toBeUndefined();
    },
  },
  'pytest-junit.xml': {
    framework: 'pytest',
    cases: 7,
    totals: { pass: 3, fail: 1, broken: 1, skip: 2 }, // setup error → broken; skip and xfail → skip
    check(run) {
      expect(byName(run, 'tests.test_cart.TestCart › test_total')).toMatchObject({ name: 'test_total', status: 'pass', filePath: 'tests/test_cart.py', line: 12, duration: 10 });
      const failing = byName(run, 'tests.test_cart.TestCart › test_discount');
      expect(failing).toMatchObject({ status: 'fail', line: 18 });
      expect(failing.errors![0]!.stack).toContain('tests/test_cart.py:21: AssertionError');
      const setup = byName(run, 'tests.test_cart.TestCart › test_checkout');
      expect(setup.status).toBe('broken');
      expect(setup.errors![0]!.message).toBe('failed on setup with "ConnectionRefusedError: [Errno 111] Connection refused"');
      expect(byName(run, 'tests.test_cart.TestCart › test_rounding').status).toBe('skip');
      // Parametrized: one case per parameter set.
      expect(byName(run, 'tests.test_auth › test_login[admin]').id).not.toBe(byName(run, 'tests.test_auth › test_login[guest]').id);
      expect(run.startedAt).toBe('2026-11-22T10:58:20.512Z');
    },
  },
  'surefire-junit.xml': {
    framework: 'junit-xml',
    cases: 5,
    totals: { pass: 2, fail: 1, broken: 1, skip: 1 },
    check(run) {
      // Two <flakyFailure>, then a pass: flaky, with the two reruns counted.
      expect(byName(run, 'com.acme.cart.CartServiceTest › appliesDiscount')).toMatchObject({ status: 'pass', retries: 2, flaky: true });
      // <failure> then two <rerunFailure>: failed every time, not flaky.
      const failing = byName(run, 'com.acme.cart.CartServiceTest › checksOut');
      expect(failing).toMatchObject({ status: 'fail', retries: 2 });
      expect(failing.flaky).toBeUndefined();
      expect(failing.errors).toHaveLength(1);
      expect(failing.errors![0]).toMatchObject({ message: 'order 17 is not payable', type: 'java.lang.IllegalStateException' });
      expect(byName(run, 'com.acme.cart.CartServiceTest › loadsCatalog')).toMatchObject({ status: 'broken', errors: [{ type: 'java.lang.NullPointerException' }] });
      const plain = byName(run, 'com.acme.cart.CartServiceTest › addsItem');
      expect(plain.retries).toBeUndefined();
      expect(plain.flaky).toBeUndefined();
    },
  },
  'gotestsum-junit.xml': {
    framework: 'junit-xml',
    cases: 7,
    totals: { pass: 5, fail: 1, broken: 0, skip: 1 },
    check(run) {
      const inPackage = (pkg: string, name: string) => {
        const found = run.testCases.filter((item) => item.name === name && item.suite?.[0] === `github.com/acme/shop/${pkg}`);
        expect(found, `${pkg}.${name}`).toHaveLength(1);
        return found[0]!;
      };
      // --rerun-fails: the failing attempt, then a passing rerun of the same <testcase>.
      expect(inPackage('cart', 'TestDiscount')).toMatchObject({ status: 'pass', retries: 1, flaky: true, duration: 9 });
      // Failed on the rerun too.
      const charge = inPackage('payment', 'TestCharge');
      expect(charge).toMatchObject({ status: 'fail', retries: 1 });
      expect(charge.flaky).toBeUndefined();
      // The same test name in two packages is two tests.
      expect(inPackage('cart', 'TestTotal').id).not.toBe(inPackage('payment', 'TestTotal').id);
      expect(inPackage('cart', 'TestTotal/empty_cart').status).toBe('pass');
      expect(inPackage('cart', 'TestSkipsWithoutNetwork').status).toBe('skip');
      expect(inPackage('cart', 'TestTotal').retries).toBeUndefined();
    },
  },
  'playwright-junit.xml': {
    framework: 'junit-xml',
    cases: 4,
    totals: { pass: 2, fail: 1, broken: 0, skip: 1 },
    check(run) {
      const failing = byName(run, 'cart › applies a coupon');
      expect(failing).toMatchObject({ status: 'fail', filePath: 'cart.spec.ts', suite: ['cart.spec.ts'], duration: 3093 });
      expect(failing.errors![0]!.message).toBe('cart.spec.ts:18:7 applies a coupon');
      expect(failing.errors![0]!.stack).toContain('Timed out 5000ms waiting for expect(locator).toHaveText(expected)');
      expect(byName(run, 'pays by card')).toMatchObject({ status: 'pass', filePath: 'checkout/pay.spec.ts' });
      expect(byName(run, 'cart › removes an item').status).toBe('skip');
    },
  },
  'playwright-junit-projects.xml': {
    // Two projects (chromium, firefox): a <testsuite hostname="<project>"> per project and file,
    // the same classname and name in each. Two browsers are two results, not a retry.
    framework: 'junit-xml',
    cases: 8,
    totals: { pass: 5, fail: 1, broken: 0, skip: 2 },
    check(run) {
      const coupon = run.testCases.filter((item) => item.name.endsWith('cart › applies a coupon'));
      expect(coupon.map((item) => item.status).sort()).toEqual(['fail', 'pass']);
      expect(new Set(run.testCases.map((item) => item.id)).size).toBe(8);
      expect(run.testCases.filter((item) => item.retries !== undefined || item.flaky !== undefined)).toEqual([]);
    },
  },
};

describe('junitToKensho over each dialect', () => {
  it('has a fixture for every expectation and an expectation for every fixture', () => {
    expect(fs.readdirSync(FIXTURES).filter((name) => name.endsWith('.xml')).sort()).toEqual(Object.keys(DIALECTS).sort());
  });

  for (const [name, expected] of Object.entries(DIALECTS)) {
    it(`${name}: a valid kensho/v1 run with ${JSON.stringify(expected.totals)}`, () => {
      const run = convert(name);
      const parsed = runSchema.safeParse(run);
      expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 5))).toBe(true);
      expect(run.schemaVersion).toBe('kensho/v1');
      expect(run.framework.name).toBe(expected.framework);
      expect(run.totals).toEqual(expected.totals);
      expect(run.testCases).toHaveLength(expected.cases);
      // One case per test: ids are unique within the run, and totals are the cases' statuses.
      expect(new Set(run.testCases.map((item) => item.id)).size).toBe(run.testCases.length);
      for (const status of ['pass', 'fail', 'broken', 'skip'] as const) {
        expect(run.testCases.filter((item) => item.status === status)).toHaveLength(run.totals[status]);
      }
      // The kensho stable id of fullName::filePath (a case naming its browser may fold that in too).
      for (const item of run.testCases.filter((c) => c.browser === undefined)) expect(item.id).toBe(stableCaseId(item.fullName, item.filePath ?? ''));
      expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
      expected.check?.(run);
    });
  }

  it('gives the same case ids and run id to the same bytes, whenever converted; other bytes another run id', () => {
    for (const name of Object.keys(DIALECTS)) {
      const first = convert(name, new Date('2026-11-22T00:00:00Z'));
      const second = convert(name, new Date('2027-01-01T00:00:00Z'));
      expect(second.testCases.map((item) => item.id), name).toEqual(first.testCases.map((item) => item.id));
      expect(first.id, name).toMatch(/^junit-[0-9a-f]{20}$/);
      expect(second.id, name).toBe(first.id);
      expect(junitToKensho([{ name, xml: `${read(name)}\n` }]).id, name).not.toBe(first.id);
    }
    const ids = Object.keys(DIALECTS).map((name) => convert(name).id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('decodes character references (pytest’s &#10; in attributes, Go’s &#xA; in text) like any XML parser', () => {
    const pytest = byName(convert('pytest-junit.xml'), 'tests.test_cart.TestCart › test_discount');
    expect(pytest.errors![0]!.message).toBe('assert 100 == 90\n +  where 100 = <bound method Cart.total of <shop.cart.Cart object at 0x7f3a9c1d2e50>>()');
    const go = convert('gotestsum-junit.xml').testCases.find((item) => item.name === 'TestCharge')!;
    expect(go.errors![0]!.stack).toBe('=== RUN   TestCharge\n    payment_test.go:18: charge: dial tcp 127.0.0.1:4242: connect: connection refused\n--- FAIL: TestCharge (0.30s)');
  });

  it('merges several files into one run', () => {
    const run = junitToKensho(['vitest-junit.xml', 'pytest-junit.xml'].map((name) => ({ name, xml: read(name) })));
    expect(runSchema.safeParse(run).success).toBe(true);
    expect(run.testCases).toHaveLength(12);
    expect(run.totals).toEqual({ pass: 5, fail: 2, broken: 1, skip: 4 });
  });
});

describe('junitToKensho on bad and empty input', () => {
  it('throws a clear error for malformed XML, naming the file', () => {
    const xml = '<?xml version="1.0"?>\n<testsuites>\n  <testsuite name="a">\n    <testcase name="x">\n  </testsuite>\n</testsuites>\n';
    expect(() => junitToKensho([{ name: 'reports/broken.xml', xml }])).toThrow(/^reports\/broken\.xml: not well-formed XML \(.+, line \d+\)$/);
    expect(() => junitToKensho([{ name: 'truncated.xml', xml: read('vitest-junit.xml').slice(0, 500) }])).toThrow(/truncated\.xml: not well-formed XML/);
    expect(() => junitToKensho([{ name: 'page.xml', xml: '<html><body/></html>' }])).toThrow('page.xml: no <testsuites> or <testsuite> element');
  });

  it('turns an empty <testsuites/> into a run with no cases', () => {
    for (const xml of ['<testsuites/>', '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites></testsuites>\n', '<testsuites name="vitest tests" tests="0" failures="0" errors="0" time="0"></testsuites>']) {
      const run = junitToKensho([{ name: 'empty.xml', xml }], new Date('2026-11-22T10:00:00Z'));
      expect(runSchema.safeParse(run).success, xml).toBe(true);
      expect(run.testCases, xml).toEqual([]);
      expect(run.totals, xml).toEqual({ pass: 0, fail: 0, broken: 0, skip: 0 });
      expect(run.startedAt, xml).toBe('2026-11-22T10:00:00.000Z');
    }
  });
});

describe('intake push --junit', () => {
  let t: TestApp;
  let server: string;

  beforeAll(async () => {
    t = await createTestApp({ graphqlCacheTtlMs: 0 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    server = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    (t.app.services.config as { publicUrl: string }).publicUrl = server;
  });
  afterAll(() => t?.close());

  it('pushes the files a glob matches as one run', async () => {
    const seed = await seedWorkspace(t.operator);
    const token = (await createToken(t.operator, { kind: 'WORKSPACE', name: 'ci', workspace: seed.workspace.slug })).secret;
    const pushGlob = async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(
        ['push', '--junit', 'test/fixtures/junit/vitest-*.xml', '--workspace', seed.workspace.slug, '--project', seed.project.slug, '--server', server, '--json'],
        { env: { INTAKE_TOKEN: token }, out: (line) => out.push(line), err: (line) => err.push(line), execute: () => { throw new Error('not used'); } },
      );
      return { code, out, err };
    };
    const first = await pushGlob();
    expect(first.code, [...first.out, ...first.err].join('\n')).toBe(0);
    const answer = JSON.parse(first.out.at(-1)!);
    // vitest-junit.xml (5 cases) and vitest-junit-variant.xml (3).
    expect(answer).toMatchObject({ ok: true, summary: { total: 8, pass: 3, fail: 3, broken: 0, skip: 2 } });

    const run = await t.app.services.prisma.testRun.findFirst({ where: { id: answer.internalRunId } });
    expect(run).toMatchObject({ framework: 'vitest', externalRunId: expect.stringMatching(/^junit-/) });
    const cases = (await t.app.inject({ method: 'GET', url: `/v1/runs/${answer.internalRunId}/cases`, headers: bearer(token) })).json();
    expect(cases.items).toHaveLength(8);
    expect(cases.items.find((item: { fullName: string }) => item.fullName === 'math > nested group > fails with assertion')).toMatchObject({
      status: 'fail',
      filePath: 'vt/math.test.js',
      error: 'expected 4 to be 5 // Object.is equality',
    });

    // The same bytes again are the same run.
    const again = await pushGlob();
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out.at(-1)!).internalRunId).toBe(answer.internalRunId);
    expect(await t.app.services.prisma.testRun.count({ where: { projectId: seed.project.id } })).toBe(1);
  });

  it('exits 1 when the glob matches nothing or a file is not XML', async () => {
    const lines: string[] = [];
    const io = { env: { INTAKE_TOKEN: 'x' }, out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), execute: () => { throw new Error('not used'); } };
    expect(await main(['push', '--junit', 'test/fixtures/junit/nothing-*.xml', '--project', 'p', '--server', server], io)).toBe(1);
    expect(lines.join('\n')).toMatch(/no JUnit file matches/);
    expect(await main(['push', '--junit', 'package.json', '--project', 'p', '--server', server], io)).toBe(1);
    expect(lines.join('\n')).toMatch(/package\.json: (not well-formed XML|no <testsuites>)/);
  });
});
