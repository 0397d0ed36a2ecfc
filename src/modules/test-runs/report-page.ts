// The human report of a run (kenshoReportUrl): one self-contained HTML page, no external assets,
// no script. Totals, the regression against the previous run, failing cases first with their
// error, stack, steps and screenshots (each a <details> that expands), then the rest; a status
// filter as plain links. Everything a client sent is escaped.
import type { TestRun } from '../../generated/prisma/client.ts';
import { escapeHtml } from '../../http/html.ts';
import type { Services } from '../../services.ts';
import { isFailing } from './kensho.ts';
import { attachmentUrl, parseCaseStatus, reportUrl } from './service.ts';

const SHOWN_CASES = 2000;


interface Step {
  title?: string;
  status?: string;
  duration?: number;
  children?: Step[];
}

function stepsHtml(steps: Step[] | undefined, depth = 0): string {
  if (!Array.isArray(steps) || steps.length === 0 || depth > 32) return '';
  return `<ol class="steps">${steps
    .map((step) => `<li class="s-${escapeHtml(step.status)}">${escapeHtml(step.title)} <small>${escapeHtml(step.status)} · ${escapeHtml(step.duration)} ms</small>${stepsHtml(step.children, depth + 1)}</li>`)
    .join('')}</ol>`;
}

export async function renderRunReport(services: Services, run: TestRun, filter?: unknown): Promise<string> {
  const status = parseCaseStatus(filter);
  const failing = status ? [status].filter(isFailing) : ['fail', 'broken'];
  const others = status ? [status].filter((value) => !isFailing(value)) : ['pass', 'skip'];
  // Failing cases first, then the rest, each in the order they were sent.
  const casesOf = (statuses: string[], take: number) =>
    statuses.length === 0 || take <= 0
      ? Promise.resolve([])
      : services.prisma.caseRun.findMany({
          where: { runId: run.id, status: { in: statuses } },
          include: { testCase: { select: { name: true, fullName: true, stableId: true } }, attachments: { orderBy: { id: 'asc' } } },
          orderBy: { id: 'asc' },
          take,
        });
  const first = await casesOf(failing, SHOWN_CASES);
  const cases = [...first, ...(await casesOf(others, SHOWN_CASES - first.length))];
  const previous = run.previousRunId
    ? new Map(
        (await services.prisma.caseRun.findMany({ where: { runId: run.previousRunId, testCaseId: { in: cases.map((c) => c.testCaseId) } }, select: { testCaseId: true, status: true } })).map(
          (row) => [row.testCaseId, row.status],
        ),
      )
    : null;
  const self = await reportUrl(services, run.id);
  const filterLink = (value: string | null, label: string) => {
    const url = new URL(self);
    if (value) url.searchParams.set('status', value);
    return `<a href="${escapeHtml(url.pathname + url.search)}"${(status ?? null) === value ? ' aria-current="page"' : ''}>${label}</a>`;
  };

  const rows = await Promise.all(
    cases.map(async (c) => {
      const detail = c.detail as { errors?: Array<{ message?: string; stack?: string }>; steps?: Step[] };
      const isNew = previous !== null && isFailing(c.status) && !c.muted && !isFailing(previous.get(c.testCaseId) ?? 'pass');
      const images = await Promise.all(
        c.attachments
          .filter((a) => /^image\/(png|jpeg|gif|webp)$/.test(a.mimeType))
          .map(async (a) => `<figure><img src="${escapeHtml(await attachmentUrl(services, run.id, a.id))}" alt="${escapeHtml(a.name)}"><figcaption>${escapeHtml(a.name)}</figcaption></figure>`),
      );
      const errors = (detail.errors ?? []).map((e) => `<p class="error">${escapeHtml(e.message)}</p>${e.stack ? `<pre>${escapeHtml(e.stack)}</pre>` : ''}`).join('');
      return `<details class="case c-${escapeHtml(c.status)}" data-status="${escapeHtml(c.status)}"${isNew ? ' data-regression="true"' : ''}>
<summary><span class="badge">${escapeHtml(c.status)}</span> ${escapeHtml(c.testCase.fullName)}${isNew ? ' <strong class="new">new failure</strong>' : ''}${c.muted ? ' <em>muted</em>' : ''} <small>${c.durationMs} ms</small></summary>
${errors}${stepsHtml(detail.steps)}${images.join('')}
</details>`;
    }),
  );

  const total = run.passed + run.failed + run.broken + run.skipped;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run ${escapeHtml(run.externalRunId)} — Intake</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1d1d1f}
.totals span{display:inline-block;margin-right:1rem}.pass{color:#137333}.fail,.broken{color:#b3261e}.skip{color:#666}
nav a{margin-right:.75rem}nav a[aria-current]{font-weight:bold}
details.case{border:1px solid #ddd;border-radius:6px;margin:.4rem 0;padding:.4rem .6rem}
details.c-fail,details.c-broken{border-color:#e8a29d;background:#fff8f7}
.badge{font-weight:600;text-transform:uppercase;font-size:11px}.new{color:#b3261e}
pre{white-space:pre-wrap;background:#f5f5f5;padding:.5rem;overflow:auto}.error{color:#b3261e;font-weight:600}
img{max-width:100%;border:1px solid #ccc}.steps small,summary small{color:#666}
</style></head><body>
<h1>Run ${escapeHtml(run.externalRunId)}</h1>
<p>${escapeHtml(run.branch ?? 'no branch')} · ${escapeHtml(run.commit ?? '')} · ${escapeHtml(run.framework)} ${escapeHtml(run.frameworkVersion)} · ${escapeHtml(run.startedAt.toISOString())}</p>
<p class="totals"><span>${total} cases</span><span class="pass">${run.passed} passed</span><span class="fail">${run.failed} failed</span><span class="broken">${run.broken} broken</span><span class="skip">${run.skipped} skipped</span></p>
<p class="regression">Against the previous run on this branch: <strong id="new-failures">${run.newFailures}</strong> new failures, <strong>${run.fixed}</strong> fixed, <strong>${run.stillFailing}</strong> still failing.</p>
<nav>Show: ${filterLink(null, 'all')}${filterLink('fail', 'failed')}${filterLink('broken', 'broken')}${filterLink('pass', 'passed')}${filterLink('skip', 'skipped')}</nav>
<main>${rows.join('\n')}</main>
${cases.length === SHOWN_CASES ? `<p>The first ${SHOWN_CASES} cases are shown; the API lists them all (/v1/runs/${escapeHtml(run.id)}/cases).</p>` : ''}
</body></html>`;
}
