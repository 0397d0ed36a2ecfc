// Kaizen's test management (`/v1`): plans (revisions on edit), executions pinned to a revision
// with a verdict per case (auto-filled by runs, immutable once closed), manual cases imported from
// CSV, and defects.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { isoInstant } from '../../http/wire.ts';
import { DEFECT_CHANGE, DEFECT_LINK, DEFECT_PROMOTION, defectSeverity, linkDefect, listDefects, promoteDefect, updateDefect, type DefectView } from './defects.ts';
import { CSV_COLUMNS, importManualCases, MAX_CSV_ROWS } from './manual-cases.ts';
import {
  closeExecution, createPlan, EXECUTION_INPUT, getExecution, getPlan, listPlans, PLAN_CHANGE, PLAN_INPUT, setVerdict, startExecution, updatePlan,
  VERDICT_INPUT, type ExecutionView, type PlanView,
} from './plans.ts';

const CSV_BODY_LIMIT = 5 * 1024 * 1024;

const planJson = (plan: PlanView) => ({
  id: plan.id,
  name: plan.name,
  revision: plan.revision,
  cases: plan.revisions[0]?.caseIds ?? [],
  createdAt: isoInstant(plan.createdAt),
  updatedAt: isoInstant(plan.updatedAt),
});

const defectJson = (defect: DefectView) => ({
  id: defect.id,
  key: defect.key,
  url: defect.url,
  status: defect.status,
  severity: defectSeverity(defect),
  casesAffected: defect.casesAffected,
  cases: defect.cases.map((c) => ({ id: c.testCase.id, stableId: c.testCase.stableId, name: c.testCase.name })),
  firstSeenAt: isoInstant(defect.firstSeenAt),
  lastSeenAt: isoInstant(defect.lastSeenAt),
  closedAt: isoInstant(defect.closedAt),
  issueId: defect.issueId,
});

function executionJson({ execution, cases, summary }: ExecutionView) {
  return {
    id: execution.id,
    planId: execution.planId,
    revision: execution.revision,
    mode: execution.mode,
    autoFill: execution.autoFill,
    status: execution.closedAt ? 'closed' : 'open',
    createdAt: isoInstant(execution.createdAt),
    closedAt: isoInstant(execution.closedAt),
    cases,
    results: execution.results.map((r) => ({ caseId: r.stableId, verdict: r.verdict, note: r.note, attachmentIds: r.attachmentIds, durationMs: r.durationMs, source: r.source, runId: r.runId, updatedAt: isoInstant(r.updatedAt), updatedBy: r.updatedBy })),
    summary,
  };
}

export async function planRoutes(app: FastifyInstance): Promise<void> {
  const config = (summary: string, body?: z.ZodType, status?: number) => ({ config: { rateLimitFamily: 'test_runs', doc: { summary, ...(body ? { body } : {}), ...(status ? { status } : {}) } } });
  const actorOf = (request: FastifyRequest) => ({ services: app.services, principal: request.principal });
  type Id = { Params: { id: string } };

  app.get<{ Params: { slug: string }; Querystring: { cursor?: string } }>('/projects/:slug/plans', config('The project’s test plans, 100 a page (?cursor): {items, nextCursor}.'), async (request) => {
    const { plans, nextCursor } = await listPlans(actorOf(request), request.params.slug, request.query);
    return { items: plans.map(planJson), nextCursor };
  });
  app.post<{ Params: { slug: string } }>('/projects/:slug/plans', config('A new plan: {name, cases: [stable ids]}.', PLAN_INPUT, 201), async (request, reply) =>
    reply.code(201).send(planJson(await createPlan(actorOf(request), request.params.slug, request.body))),
  );
  app.get<Id>('/plans/:id', config('One plan at its current revision.'), async (request) => planJson(await getPlan(actorOf(request), request.params.id)));
  app.patch<Id>('/plans/:id', config('Edit a plan ({name?, cases?}): a new revision; running executions keep theirs.', PLAN_CHANGE), async (request) =>
    planJson(await updatePlan(actorOf(request), request.params.id, request.body)),
  );
  app.post<Id>('/plans/:id/executions', config('Start an execution of the plan’s current revision ({mode: manual|automated|hybrid, autoFill}).', EXECUTION_INPUT, 201), async (request, reply) =>
    reply.code(201).send(executionJson(await startExecution(actorOf(request), request.params.id, request.body))),
  );
  app.get<Id>('/executions/:id', config('An execution: its verdicts and summary.'), async (request) => executionJson(await getExecution(actorOf(request), request.params.id)));
  app.patch<{ Params: { id: string; caseId: string } }>(
    '/executions/:id/cases/:caseId',
    config('A verdict on one case ({verdict: pass|fail|skip|blocked, note?, attachmentIds?}); 409 once closed.', VERDICT_INPUT),
    async (request) => executionJson(await setVerdict(actorOf(request), request.params.id, request.params.caseId, request.body)),
  );
  // CSV bodies are read by this plugin's routes only (the import below).
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.post<{ Params: { slug: string } }>(
    '/projects/:slug/cases/import',
    config(`Import manual cases from CSV (text/csv; header ${CSV_COLUMNS.join(',')}; at most ${MAX_CSV_ROWS} lines): all or nothing, every bad line named.`),
    async (request) => importManualCases(actorOf(request), request.params.slug, request.body),
  );
  app.get<{ Params: { slug: string }; Querystring: { status?: string; cursor?: string } }>(
    '/projects/:slug/defects',
    config('The project’s defects, 100 a page (?status=open|closed, ?cursor): cases affected, first and last seen, severity of its cases.'),
    async (request) => {
      const { defects, nextCursor } = await listDefects(actorOf(request), request.params.slug, request.query);
      return { items: defects.map(defectJson), nextCursor };
    },
  );
  app.post<{ Params: { slug: string } }>('/projects/:slug/defects', config('Link tests to a defect by hand ({key, url?, cases}); 201 when the defect is new.', DEFECT_LINK), async (request, reply) => {
    const { defect, created } = await linkDefect(actorOf(request), request.params.slug, request.body);
    return reply.code(created ? 201 : 200).send(defectJson(defect));
  });
  app.patch<Id>('/defects/:id', config('Close or reopen a defect ({status}); a new failure of a linked test reopens it.', DEFECT_CHANGE), async (request) =>
    defectJson(await updateDefect(actorOf(request), request.params.id, request.body)),
  );
  app.post<Id>('/defects/:id/promote', config('Promote a defect into an Intake issue ({issueId?, title?}): 201 for a new issue.', DEFECT_PROMOTION), async (request, reply) => {
    const { issue, created, defect } = await promoteDefect(actorOf(request), request.params.id, request.body);
    return reply.code(created ? 201 : 200).send({ issue: { id: issue.id, title: issue.title, status: issue.status.toLowerCase() }, defect: defectJson(defect) });
  });
  app.post<Id>('/executions/:id/close', config('Close an execution: immutable afterwards (409).'), async (request) => executionJson(await closeExecution(actorOf(request), request.params.id)));
}
