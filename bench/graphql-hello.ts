// `npx tsx bench/graphql-hello.ts [--postgres]` — `{ __typename }` through the whole stack
// (Fastify → rate limit → principal → Yoga → Pothos) against a bare Fastify server returning the
// same bytes, in the same run. Target: the stack keeps ≥ 60% of the bare route's req/s.
import { measure, report, startBareRoute, startIntake } from './lib.ts';

const request = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) };

const bare = await startBareRoute(200, JSON.stringify({ data: { __typename: 'Query' } }));
const baseline = await measure('bare Fastify route', { url: `${bare.url}/graphql`, ...request });
await bare.close();

const intake = await startIntake('hello');
const stack = await measure(`Intake { __typename } (${intake.database})`, { url: `${intake.url}/graphql`, ...request });
const rss = intake.peakRssMb();
await intake.close();

report([baseline, stack], {
  'stack / bare': `${Math.round((stack.requestsPerSecond / baseline.requestsPerSecond) * 100)}% (target ≥ 60%)`,
  'Intake peak RSS': `${rss} MB`,
});
