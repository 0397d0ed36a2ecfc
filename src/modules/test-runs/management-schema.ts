// Test management on the board: the case inventory, plans with their executions and verdicts,
// and defects — the same domain calls as the Kaizen REST routes (plan-routes.ts, rest.ts), so a
// rule (revisions, immutability once closed, known cases) holds once for both.
import { builder } from '../../graphql/builder.ts';
import { MODULE_WRITE_ERRORS, STATEFUL_WRITE_ERRORS } from '../../graphql/errors.ts';
import { defineMutation } from '../../graphql/mutations.ts';
import { defineNodeKind, NodeInterface, prefixedDatabaseId } from '../../graphql/node.ts';
import { IssueNode, IssueType } from '../issues/schema.ts';
import { ProjectNode } from '../workspaces/schema.ts';
import { countProjectTestCases, projectTestCases } from './cases.ts';
import { countProjectDefects, DEFECT_STATUSES, defectSeverity, findDefect, linkDefect, projectDefects, promoteDefect, updateDefect } from './defects.ts';
import {
  closeExecution, countProjectPlans, createPlan, EXECUTION_MODES, findExecution, findPlan, projectPlans, setVerdict, startExecution, updatePlan, VERDICTS,
  type ExecutionSummary,
} from './plans.ts';
import { CaseStatusEnum, TestCaseType } from './schema.ts';
import { authorizeTestReads } from './service.ts';
import { enumValues } from '../../graphql/enums.ts';

const upperEnum = <T extends string>(name: string, values: readonly T[], description?: string) =>
  builder.enumType(name, { description, values: enumValues(values) });

const VerdictEnum = upperEnum('Verdict', VERDICTS, 'A verdict on one case of an execution (a run’s broken counts as FAIL).');
const ExecutionModeEnum = upperEnum('ExecutionMode', EXECUTION_MODES);
const ExecutionStatusEnum = upperEnum('ExecutionStatus', ['open', 'closed'] as const, 'CLOSED executions are immutable.');
const DefectStatusEnum = upperEnum('DefectStatus', DEFECT_STATUSES);

const PlanNode = defineNodeKind('TestPlan', { parseId: prefixedDatabaseId('plan'), load: (ctx, id) => findPlan(ctx, id) });
const ExecutionNode = defineNodeKind('TestExecution', { parseId: prefixedDatabaseId('exe'), load: (ctx, id) => findExecution(ctx, id) });
const DefectNode = defineNodeKind('Defect', { parseId: prefixedDatabaseId('dft'), load: (ctx, id) => findDefect(ctx, id) });

// --- the inventory ---------------------------------------------------------------------------

const DefectFilterInput = builder.inputType('DefectFilter', {
  fields: (t) => ({ status: t.field({ type: DefectStatusEnum, required: false }) }),
});

const TestCaseFilter = builder.inputType('TestCaseFilter', {
  fields: (t) => ({
    lastStatus: t.field({ type: CaseStatusEnum, required: false }),
    quarantined: t.boolean({ required: false, description: 'Only quarantined cases (true), or only the others (false).' }),
  }),
});

builder.prismaObjectField('Project', 'testCases', (t) =>
  t.prismaConnection({
    nullable: true,
    type: 'TestCase',
    cursor: 'id',
    description: 'Its test inventory (every case a run named or a person imported), by first appearance.',
    args: { filter: t.arg({ type: TestCaseFilter, required: false }) },
    totalCount: (project, args, ctx) => countProjectTestCases(ctx, project.id, { status: args.filter?.lastStatus, quarantined: args.filter?.quarantined }),
    resolve: (query, project, args, ctx) => projectTestCases(ctx, project.id, { status: args.filter?.lastStatus, quarantined: args.filter?.quarantined }, query),
  }),
);

// --- plans and executions ---------------------------------------------------------------------

const TestPlanType = builder.prismaObject('TestPlan', {
  description: 'A named set of a project’s tests; editing it makes a new revision.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'plan_…, as the Kaizen REST routes name it.' }),
    name: t.exposeString('name'),
    revision: t.exposeInt('revision', { description: 'The current revision; executions keep the one they started on.' }),
    cases: t.stringList({
      description: 'The stable ids of the current revision.',
      select: { revisions: { orderBy: { revision: 'desc' }, take: 1, select: { caseIds: true } } },
      resolve: (plan) => plan.revisions[0]?.caseIds ?? [],
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    project: t.relation('project'),
    executions: t.relatedConnection('executions', { cursor: 'id', description: 'Newest first.', query: { orderBy: { id: 'desc' } }, totalCount: true }),
  }),
});

const ExecutionSummaryType = builder.objectRef<ExecutionSummary>('ExecutionSummary').implement({
  fields: (t) => ({
    planned: t.exposeInt('planned', { description: 'Cases in the execution’s revision.' }),
    recorded: t.exposeInt('recorded', { description: 'Cases with a verdict.' }),
    coverage: t.exposeFloat('coverage', { description: 'recorded / planned.' }),
    pass: t.exposeInt('pass'),
    fail: t.exposeInt('fail'),
    skip: t.exposeInt('skip'),
    blocked: t.exposeInt('blocked'),
    averageDurationMs: t.exposeInt('averageDurationMs', { nullable: true, description: 'Mean of the timed verdicts (those runs set).' }),
    defectsOpened: t.exposeInt('defectsOpened', { description: 'Defects of its cases opened (created or reopened) while it was open.' }),
  }),
});

builder.prismaObject('ExecutionResult', {
  description: 'The verdict on one case of an execution.',
  fields: (t) => ({
    caseId: t.exposeString('stableId', { description: 'The case’s stable id.' }),
    verdict: t.field({ type: VerdictEnum, resolve: (result) => result.verdict as (typeof VERDICTS)[number] }),
    note: t.exposeString('note', { nullable: true }),
    attachmentIds: t.exposeStringList('attachmentIds'),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    setByRun: t.boolean({ description: 'Filled by a finalized run (a person’s verdict is never overwritten by one).', resolve: (result) => result.source === 'run' }),
    runId: t.exposeString('runId', { nullable: true, description: 'run_… of the run that set it.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    updatedBy: t.exposeString('updatedBy', { nullable: true }),
  }),
});

const TestExecutionType = builder.prismaObject('TestExecution', {
  description: 'One pass through a plan revision: a verdict per case, by people and by the runs finalized while it is open.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'exe_…, as the Kaizen REST routes name it.' }),
    plan: t.relation('plan'),
    revision: t.exposeInt('revision'),
    mode: t.field({ type: ExecutionModeEnum, resolve: (execution) => execution.mode as (typeof EXECUTION_MODES)[number] }),
    autoFill: t.exposeBoolean('autoFill', { description: 'Whether finalized runs fill in verdicts.' }),
    status: t.field({ type: ExecutionStatusEnum, resolve: (execution) => (execution.closedAt ? 'closed' : 'open') }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    cases: t.stringList({ description: 'The stable ids of its revision.', resolve: async (execution, _args, ctx) => (await ctx.loaders.executionOverview.load(execution.id)).cases }),
    summary: t.field({ type: ExecutionSummaryType, resolve: async (execution, _args, ctx) => (await ctx.loaders.executionOverview.load(execution.id)).summary }),
    results: t.relatedConnection('results', { cursor: 'executionId_stableId', query: { orderBy: { stableId: 'asc' } }, totalCount: true }),
  }),
});

// --- defects ------------------------------------------------------------------------------------

const DefectType = builder.prismaObject('Defect', {
  description: 'A tracker item (Jira key, GitHub #number, …) that failing tests are linked to; a new failure of a linked test reopens it.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    databaseId: t.exposeString('id', { description: 'dft_…, as the Kaizen REST routes name it.' }),
    key: t.exposeString('key'),
    url: t.exposeString('url', { nullable: true }),
    status: t.field({ type: DefectStatusEnum, resolve: (defect) => defect.status as (typeof DEFECT_STATUSES)[number] }),
    severity: t.string({
      nullable: true,
      description: 'The highest severity of its cases (of the first 50).',
      select: { cases: { take: 50, select: { testCase: { select: { severity: true } } } } },
      resolve: (defect) => defectSeverity(defect),
    }),
    casesAffected: t.relationCount('cases'),
    testCases: t.field({
      type: [TestCaseType],
      description: 'The linked tests (the first 50; casesAffected counts all).',
      select: { cases: { take: 50, orderBy: { testCaseId: 'asc' }, select: { testCase: true } } },
      resolve: (defect) => defect.cases.map((link) => link.testCase),
    }),
    firstSeenAt: t.expose('firstSeenAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    openedAt: t.expose('openedAt', { type: 'DateTime', description: 'When it was created or last reopened.' }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    issue: t.relation('issue', { nullable: true, description: 'The Intake issue it was promoted into.' }),
  }),
});

builder.prismaObjectField('Issue', 'defects', (t) =>
  t.relation('defects', {
    nullable: true,
    description: 'The defects promoted into it (for those who may read test reports).',
    query: { orderBy: { id: 'asc' } },
    authScopes: (issue, _args, ctx) => authorizeTestReads(ctx, issue.projectId).then(() => true, () => false),
  }),
);

builder.prismaObjectFields('Project', (t) => ({
  testPlans: t.prismaConnection({
    nullable: true,
    type: 'TestPlan',
    cursor: 'id',
    description: 'Its test plans, oldest first.',
    totalCount: (project, _args, ctx) => countProjectPlans(ctx, project.id),
    resolve: (query, project, _args, ctx) => projectPlans(ctx, project.id, query),
  }),
  defects: t.prismaConnection({
    nullable: true,
    type: 'Defect',
    cursor: 'id',
    description: 'Its defects, oldest first.',
    args: { filter: t.arg({ type: DefectFilterInput, required: false }) },
    totalCount: (project, args, ctx) => countProjectDefects(ctx, project.id, args.filter?.status),
    resolve: (query, project, args, ctx) => projectDefects(ctx, project.id, args.filter?.status, query),
  }),
}));

builder.queryFields((t) => ({
  testPlan: t.prismaField({
    type: 'TestPlan',
    nullable: true,
    args: { id: t.arg.id({ description: 'Global id or plan_… id.' }) },
    resolve: (query, _root, args, ctx) => findPlan(ctx, PlanNode.idOf(args.id), query),
  }),
  testExecution: t.prismaField({
    type: 'TestExecution',
    nullable: true,
    args: { id: t.arg.id({ description: 'Global id or exe_… id.' }) },
    resolve: (query, _root, args, ctx) => findExecution(ctx, ExecutionNode.idOf(args.id), query),
  }),
  defect: t.prismaField({
    type: 'Defect',
    nullable: true,
    args: { id: t.arg.id({ description: 'Global id or dft_… id.' }) },
    resolve: (query, _root, args, ctx) => findDefect(ctx, DefectNode.idOf(args.id), query),
  }),
}));

// --- changes ------------------------------------------------------------------------------------

/** Drops GraphQL's nulls for optional fields, so the domain's schemas see what was given. */
const given = <T extends Record<string, unknown>>(input: T) => Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined));
const planFields = { testPlan: { type: TestPlanType, description: 'The plan as it is after the change.' } };
const executionFields = { testExecution: { type: TestExecutionType, description: 'The execution as it is after the change.' } };
const defectFields = { defect: { type: DefectType, description: 'The defect as it is after the change.' } };

defineMutation('createTestPlan', {
  description: 'A new plan of tests the project knows (a test never run nor imported is refused by its position in `cases`).',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, slug or numeric id.' }),
    name: t.string(),
    cases: t.stringList({ description: 'Stable ids of tests of the project (run or imported).' }),
  }),
  payload: planFields,
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => ({ testPlan: await createPlan(ctx, ProjectNode.refOf(input.project), { name: input.name, cases: input.cases }) }),
});
defineMutation('updateTestPlan', {
  description: 'Edit a plan: a new revision; running executions keep theirs. CONFLICT when another edit came first.',
  input: (t) => ({ id: t.id({ description: 'Global id or pln_… id.' }), name: t.string({ required: false }), cases: t.stringList({ required: false }) }),
  payload: planFields,
  errors: STATEFUL_WRITE_ERRORS,
  resolve: async ({ id, ...change }, ctx) => ({ testPlan: await updatePlan(ctx, PlanNode.idOf(id, 'id'), given(change)) }),
});
defineMutation('startTestExecution', {
  description: 'Start an execution of the plan’s current revision.',
  input: (t) => ({
    planId: t.id({ description: 'Global id or pln_… id.' }),
    mode: t.field({ type: ExecutionModeEnum, defaultValue: 'manual' }),
    autoFill: t.boolean({ defaultValue: true, description: 'Let finalized runs fill in verdicts.' }),
  }),
  payload: executionFields,
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => ({
    testExecution: (await startExecution(ctx, PlanNode.idOf(input.planId, 'planId'), { mode: input.mode ?? 'manual', autoFill: input.autoFill ?? true })).execution,
  }),
});
defineMutation('setExecutionVerdict', {
  description: 'A person’s verdict on one case (a run never overwrites it). CONFLICT once the execution is closed.',
  input: (t) => ({
    executionId: t.id({ description: 'Global id or exe_… id.' }),
    caseId: t.string({ description: 'The case’s stable id.' }),
    verdict: t.field({ type: VerdictEnum }),
    note: t.string({ required: false }),
    attachmentIds: t.stringList({ required: false }),
  }),
  payload: executionFields,
  errors: STATEFUL_WRITE_ERRORS,
  resolve: async ({ executionId, caseId, ...verdict }, ctx) => ({
    testExecution: (await setVerdict(ctx, ExecutionNode.idOf(executionId, 'executionId'), caseId, given(verdict))).execution,
  }),
});
defineMutation('closeTestExecution', {
  description: 'Close an execution: its verdicts are final. CONFLICT when already closed.',
  input: (t) => ({ id: t.id({ description: 'Global id or exe_… id.' }) }),
  payload: executionFields,
  errors: STATEFUL_WRITE_ERRORS,
  resolve: async (input, ctx) => ({ testExecution: (await closeExecution(ctx, ExecutionNode.idOf(input.id, 'id'))).execution }),
});
defineMutation('linkDefect', {
  description: 'Link tests to a defect by its tracker key (creating it when new).',
  input: (t) => ({
    project: t.id({ description: 'The project’s global id, slug or numeric id.' }),
    key: t.string({ description: 'PAY-12, ENG-7, #45.' }),
    url: t.string({ required: false }),
    cases: t.stringList({ description: 'Stable ids of the failing tests.' }),
  }),
  payload: defectFields,
  errors: MODULE_WRITE_ERRORS,
  resolve: async ({ project, ...link }, ctx) => ({ defect: (await linkDefect(ctx, ProjectNode.refOf(project), given(link))).defect }),
});
defineMutation('setDefectStatus', {
  description: 'Close a defect (its tracker resolved it) or reopen it; a later failure of a linked test reopens it anyway.',
  input: (t) => ({ id: t.id({ description: 'Global id or dft_… id.' }), status: t.field({ type: DefectStatusEnum }) }),
  payload: defectFields,
  errors: MODULE_WRITE_ERRORS,
  resolve: async (input, ctx) => ({ defect: await updateDefect(ctx, DefectNode.idOf(input.id, 'id'), { status: input.status }) }),
});
defineMutation('promoteDefect', {
  description: 'Promote a defect into a new issue of its project, or into `issueId`; CONFLICT once promoted.',
  input: (t) => ({
    id: t.id({ description: 'Global id or dft_… id.' }),
    issueId: t.id({ required: false, description: 'An existing issue; a new one when absent.' }),
    title: t.string({ required: false }),
  }),
  payload: {
    ...defectFields,
    issue: { type: IssueType, description: 'The issue it went into.' },
    created: { type: 'Boolean', description: 'Whether the issue is new.' },
  },
  errors: STATEFUL_WRITE_ERRORS,
  resolve: (input, ctx) => promoteDefect(ctx, DefectNode.idOf(input.id, 'id'), given({ issueId: IssueNode.optionalIdOf(input.issueId, 'issueId'), title: input.title })),
});
