// Test runs on the board: a project's runs by branch, a run's cases by status, a case's history
// across runs (batched by the caseHistory loader: one statement per page).
import { builder } from '../../graphql/builder.ts';
import { defineNodeKind, intDatabaseId, NodeInterface, prefixedDatabaseId } from '../../graphql/node.ts';
import { ANALYTICS_WINDOWS, METRICS, projectAnalytics } from './analytics.ts';
import { flakyCases } from './flaky.ts';
import type { TestCase } from '../../generated/prisma/client.ts';
import { isQuarantined, ROLLUP_LENGTH } from './cases.ts';
import { CASE_STATUSES } from './kensho.ts';
import { countProjectRuns, findCaseRun, findRun, findTestCase, HISTORY_LENGTH, projectRuns, reportUrl, type CaseHistoryEntry } from './service.ts';
import { anyOf } from '../../graphql/lists.ts';
import { enumValues } from '../../graphql/enums.ts';

export const CaseStatusEnum = builder.enumType('CaseStatus', {
  values: enumValues<string>(CASE_STATUSES),
});

const RunNode = defineNodeKind('TestRun', { parseId: prefixedDatabaseId('run'), load: (ctx, id) => findRun(ctx, id) });
const TestCaseNode = defineNodeKind('TestCase', { parseId: intDatabaseId, load: (ctx, id) => findTestCase(ctx, id) });
defineNodeKind('CaseRun', { parseId: intDatabaseId, load: (ctx, id) => findCaseRun(ctx, id) });

const RunTotals = builder.objectRef<{ passed: number; failed: number; skipped: number; broken: number; flaky: number }>('RunTotals').implement({
  fields: (t) => ({
    passed: t.exposeInt('passed'),
    failed: t.exposeInt('failed'),
    skipped: t.exposeInt('skipped'),
    broken: t.exposeInt('broken'),
    flaky: t.exposeInt('flaky'),
  }),
});
const RunRegression = builder.objectRef<{ newFailures: number; fixed: number; stillFailing: number }>('RunRegression').implement({
  description: 'Against the previous run on the same branch.',
  fields: (t) => ({
    newFailures: t.exposeInt('newFailures', { description: 'Failing now, not failing in the previous run.' }),
    fixed: t.exposeInt('fixed', { description: 'Failed in the previous run, passes now.' }),
    stillFailing: t.exposeInt('stillFailing'),
  }),
});
const CaseHistoryEntryType = builder.objectRef<CaseHistoryEntry>('CaseHistoryEntry').implement({
  fields: (t) => ({
    runId: t.id({ resolve: (entry) => RunNode.globalIdOf(entry.runId) }),
    externalRunId: t.exposeString('externalRunId'),
    status: t.field({ type: CaseStatusEnum, resolve: (entry) => entry.status }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    durationMs: t.exposeInt('durationMs'),
    branch: t.exposeString('branch', { nullable: true }),
    commit: t.exposeString('commit', { nullable: true }),
  }),
});
const QuarantineType = builder.objectRef<Pick<TestCase, 'quarantineReason' | 'quarantineUntil' | 'quarantinedBy' | 'quarantinedAt'>>('Quarantine').implement({
  fields: (t) => ({
    reason: t.string({ resolve: (q) => q.quarantineReason ?? '' }),
    until: t.field({ type: 'DateTime', nullable: true, description: 'It lifts itself then; null until lifted by hand.', resolve: (q) => q.quarantineUntil }),
    by: t.string({ nullable: true, resolve: (q) => q.quarantinedBy }),
    since: t.field({ type: 'DateTime', resolve: (q) => q.quarantinedAt! }),
  }),
});
const historyField = `Its last ${HISTORY_LENGTH} runs, newest first.`;

export const TestCaseType = builder.prismaObject('TestCase', {
  description: 'A test across runs, known by its kensho stable id.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    stableId: t.exposeString('stableId', { description: 'tc_…, the same in every run.' }),
    name: t.exposeString('name'),
    fullName: t.exposeString('fullName'),
    filePath: t.exposeString('filePath', { nullable: true }),
    suite: t.exposeString('suite'),
    lastStatus: t.field({ type: CaseStatusEnum, nullable: true, description: 'Null for a manual case no run has reported yet.', resolve: (testCase) => testCase.lastStatus }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
    manual: t.exposeBoolean('manual', { description: 'Imported by a person (CSV) rather than first named by a run.' }),
    steps: t.exposeString('steps', { nullable: true, description: 'A manual case’s steps.' }),
    expected: t.exposeString('expected', { nullable: true, description: 'A manual case’s expected result.' }),
    severity: t.exposeString('severity', { nullable: true }),
    owner: t.exposeString('owner', { nullable: true }),
    labels: t.field({ type: 'JSON', description: 'Labels people set (PATCH /v1/cases/:id), as an object.', resolve: (testCase) => testCase.labels ?? {} }),
    quarantine: t.field({
      type: QuarantineType,
      nullable: true,
      description: 'Set while quarantined: its failures count neither as regressions nor against the pass rate.',
      resolve: (testCase, _args, ctx) => (isQuarantined(testCase, ctx.services.clock.now()) ? testCase : null),
    }),
    flakyBranches: t.stringList({
      description: 'The branches it is flaky on now (empty when it is not flaky).',
      select: { states: { where: { flaky: true }, select: { branch: true } } },
      resolve: (testCase) => testCase.states.map((state) => state.branch),
    }),
    passRate: t.float({
      nullable: true,
      description: `Passes over pass + fail + broken of its last ${ROLLUP_LENGTH} results (muted failures left out); null with none.`,
      resolve: async (testCase, _args, ctx) => (await ctx.loaders.caseRollup.load(testCase.id)).passRate,
    }),
    averageDurationMs: t.int({
      nullable: true,
      description: `Mean duration of its last ${ROLLUP_LENGTH} results.`,
      resolve: async (testCase, _args, ctx) => (await ctx.loaders.caseRollup.load(testCase.id)).averageDurationMs,
    }),
    history: t.field({ type: [CaseHistoryEntryType], description: historyField, resolve: (testCase, _args, ctx) => ctx.loaders.caseHistory.load(testCase.id) }),
  }),
});

builder.prismaObject('CaseRun', {
  description: 'One case in one run.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeInt('id'),
    testCase: t.relation('testCase'),
    status: t.field({ type: CaseStatusEnum, resolve: (caseRun) => caseRun.status }),
    durationMs: t.exposeInt('durationMs'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    retries: t.exposeInt('retries'),
    flaky: t.exposeBoolean('flaky'),
    muted: t.exposeBoolean('muted'),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    detail: t.expose('detail', { type: 'JSON', description: 'Steps, errors, logs and the rest of the kensho case, as sent.' }),
    history: t.field({ type: [CaseHistoryEntryType], description: historyField, resolve: (caseRun, _args, ctx) => ctx.loaders.caseHistory.load(caseRun.testCaseId) }),
  }),
});

const CaseRunFilterInput = builder.inputType('CaseRunFilter', {
  fields: (t) => ({ status: t.field({ type: [CaseStatusEnum], required: false, description: 'Any of these.' }) }),
});
const TestRunFilterInput = builder.inputType('TestRunFilter', {
  fields: (t) => ({ branch: t.string({ required: false, description: 'Only the runs of this branch.' }) }),
});

builder.prismaObject('TestRun', {
  description: 'A pushed test run (kensho/v1).',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'run_…, as the Kaizen REST routes name it.' }),
    externalRunId: t.exposeString('externalRunId'),
    branch: t.exposeString('branch', { nullable: true }),
    commit: t.exposeString('commit', { nullable: true }),
    status: t.exposeString('status'),
    framework: t.exposeString('framework'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime' }),
    totals: t.field({ type: RunTotals, resolve: (run) => run }),
    regression: t.field({ type: RunRegression, resolve: (run) => run }),
    flakyCheckedAt: t.expose('flakyCheckedAt', { type: 'DateTime', nullable: true, description: 'When flaky detection took this run into account (null until its job ran).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was finalized.' }),
    project: t.relation('project'),
    reportUrl: t.string({ description: 'The human report, at a signed link valid 30 days.', resolve: (run, _args, ctx) => reportUrl(ctx.services, run.id) }),
    cases: t.relatedConnection('cases', {
      cursor: 'id',
      args: { filter: t.arg({ type: CaseRunFilterInput, required: false }) },
      query: (args) => ({ where: anyOf(args.filter?.status) ? { status: { in: anyOf(args.filter?.status) } } : {}, orderBy: { id: 'asc' } }),
      totalCount: true,
    }),
  }),
});

builder.prismaObjectField('Project', 'runs', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'TestRun',
    cursor: 'id',
    description: 'Its test runs, newest first.',
    args: { filter: t.arg({ type: TestRunFilterInput, required: false }) },
    totalCount: (project, args, ctx) => countProjectRuns(ctx, project.id, args.filter?.branch),
    resolve: (query, project, args, ctx) => projectRuns(ctx, project.id, args.filter?.branch, query),
  }),
);

// Test insights for the board: the same figures as GET /v1/projects/{slug}/flaky and /analytics.

const FlakyCaseType = builder
  .objectRef<Awaited<ReturnType<typeof flakyCases>>[number]>('FlakyCase')
  .implement({
    description: 'A test flaky on at least one branch.',
    fields: (t) => ({
      stableId: t.exposeString('id', { description: 'The stable id kensho reports (not a global id).' }),
      name: t.exposeString('name'),
      fullName: t.exposeString('fullName'),
      flipRate: t.exposeFloat('flipRate', { description: 'Pass↔fail flips per run, the highest of its branches.' }),
      lastFlipAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.lastFlipAt }),
      firstFlaggedAt: t.field({ type: 'DateTime', nullable: true, resolve: (c) => c.firstFlaggedAt }),
      branches: t.exposeStringList('branches'),
      reasons: t.exposeStringList('reasons'),
    }),
  });

const TestMetricEnum = builder.enumType('TestMetric', { values: enumValues(METRICS) });
const AnalyticsWindowEnum = builder.enumType('AnalyticsWindow', {
  values: Object.fromEntries(Object.keys(ANALYTICS_WINDOWS).map((w) => [`LAST_${w.toUpperCase()}`, { value: w }])) as Record<string, { value: keyof typeof ANALYTICS_WINDOWS }>,
});
type Analytics = Awaited<ReturnType<typeof projectAnalytics>>;
const AnalyticsBucketType = builder.objectRef<Analytics['buckets'][number]>('AnalyticsBucket').implement({
  fields: (t) => ({
    date: t.exposeString('date', { description: 'The UTC day, YYYY-MM-DD.' }),
    runs: t.exposeInt('runs'),
    value: t.exposeFloat('value', { nullable: true, description: 'Null on a day without runs.' }),
  }),
});
const TestAnalyticsType = builder.objectRef<Analytics>('TestAnalytics').implement({
  fields: (t) => ({
    metric: t.field({ type: TestMetricEnum, resolve: (a) => a.metric }),
    buckets: t.field({ type: [AnalyticsBucketType], resolve: (a) => a.buckets }),
    runs: t.int({ resolve: (a) => a.aggregate.runs }),
    value: t.float({ nullable: true, description: 'The whole window’s figure (SQL aggregate, not a mean of days).', resolve: (a) => a.aggregate.value }),
  }),
});

builder.prismaObjectFields('Project', (t) => ({
  flakyCases: t.field({
    type: [FlakyCaseType],
    nullable: true,
    description: 'Its flaky tests, highest flip rate first (at most 1,000).',
    resolve: (project, _args, ctx) => flakyCases(ctx, String(project.id)),
  }),
  testAnalytics: t.field({
    type: TestAnalyticsType,
    nullable: true,
    description: 'Daily buckets of a test metric over a window, and the window’s aggregate (`passRate30d` is PASSRATE over LAST_30D).',
    args: {
      metric: t.arg({ type: TestMetricEnum, defaultValue: 'passrate' }),
      window: t.arg({ type: AnalyticsWindowEnum, defaultValue: '30d' }),
      branch: t.arg.string({ required: false }),
    },
    resolve: (project, args, ctx) => projectAnalytics(ctx, String(project.id), { metric: args.metric, window: args.window, branch: args.branch ?? undefined }),
  }),
}));

builder.queryFields((t) => ({
  run: t.prismaField({
    type: 'TestRun',
    nullable: true,
    args: { id: t.arg.id({ description: 'Global id or run_… id.' }) },
    resolve: (query, _root, args, ctx) => findRun(ctx, RunNode.idOf(args.id), query),
  }),
  testCase: t.prismaField({
    type: 'TestCase',
    nullable: true,
    args: { id: t.arg.id() },
    resolve: (query, _root, args, ctx) => findTestCase(ctx, TestCaseNode.idOf(args.id), query),
  }),
}));
