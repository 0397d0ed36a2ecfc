// `npx tsx bench/graphql-hello.ts [--postgres]` — `{ __typename }` through the whole stack
// (Fastify → rate limit → principal → Yoga → Pothos) against a bare Fastify server returning the
// same bytes, in the same run, with the JSON fast path (graphql/yoga.ts) on and off.
// Target: the stack keeps ≥ 60% of the bare route's req/s.
import { measure, report, startBareRoute, startIntake } from './lib.ts';

const request = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) };

const bare = await startBareRoute(200, JSON.stringify({ data: { __typename: 'Query' } }));
const baseline = await measure('bare Fastify route', { url: `${bare.url}/graphql`, ...request });
await bare.close();

async function stackRun(fastPath: boolean) {
  const intake = await startIntake('hello', { GRAPHQL_FAST_PATH: fastPath ? '1' : '0' });
  const figures = await measure(`Intake { __typename } (${intake.database}, fast path ${fastPath ? 'on' : 'off'})`, { url: `${intake.url}/graphql`, ...request });
  await intake.close();
  return figures;
}
const fast = await stackRun(true);
const whole = await stackRun(false);
const share = (f: typeof fast) => `${Math.round((f.requestsPerSecond / baseline.requestsPerSecond) * 100)}%`;
report([baseline, fast, whole], { 'stack / bare': `fast path ${share(fast)}, Yoga whole ${share(whole)} (target ≥ 60%)` });
