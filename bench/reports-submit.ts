// `npx tsx bench/reports-submit.ts [--postgres]` — JSON report submissions with a project token,
// 50 connections: submissions/s and p99. Each one takes the project's queue lock (dense order).
import { measure, report, seedProject, startIntake } from './lib.ts';

const intake = await startIntake('reports');
const { projectId, secret } = await seedProject(intake, ['report:create']);
let n = 0;
const submit = await measure(`JSON report submissions (${intake.database})`, {
  url: `${intake.url}/api/projects/${projectId}/reports`,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
  requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ title: `Deployment failed #${n++}`, description: 'Build failed with exit code 1.', author_name: 'CI Pipeline' }) }) }],
});
const rss = intake.peakRssMb();
await intake.close();
report([submit], { 'Intake peak RSS': `${rss} MB` });
