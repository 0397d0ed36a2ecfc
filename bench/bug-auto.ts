// `npx tsx bench/bug-auto.ts [--postgres]` — POST /api/bug-reports/auto, 50 connections, 90% repeats
// of 20 known errors (merged under the 24 h dedup) and 10% new ones.
import crypto from 'node:crypto';
import { measure, report, seedProject, startIntake } from './lib.ts';

let sequence = 0;
function autoBody(): string {
  const repeat = Math.random() < 0.9;
  return JSON.stringify({
    source: 'auto:server',
    errorMessage: repeat ? `Known failure #${crypto.randomInt(20)}: upstream timeout` : `New failure ${process.pid}-${sequence++}`,
    errorStack: 'Error: upstream timeout\n    at fetchOrders (/srv/app/orders.js:10:5)',
    context: { endpoint: '/api/orders', method: 'POST', authorization: 'Bearer secret' },
  });
}

const intake = await startIntake('bugs');
const { secret } = await seedProject(intake, ['bug-reports:write']);
const auto = await measure(`auto bug reports (${intake.database})`, {
  url: `${intake.url}/api/bug-reports/auto`,
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
  requests: [{ setupRequest: (request) => ({ ...request, body: autoBody() }) }],
});
const rss = intake.peakRssMb();
await intake.close();
report([auto], { 'Intake peak RSS': `${rss} MB` });
