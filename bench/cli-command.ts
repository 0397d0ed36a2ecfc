// `npx tsx bench/cli-command.ts [runs]` — wall time of one `intake` command (`token list --json`,
// the compiled CLI, a fresh node process each time) sent through the socket of the server that
// holds the embedded data directory (target < 1 s, issue 9).
import { startIntake } from './lib.ts';

const runs = Number(process.argv[2] ?? 10);
const intake = await startIntake('cli');
if (intake.database !== 'PGlite') throw new Error('only an embedded data directory is reached through the server');
await intake.cli('user', 'create', '--email', 'ops@example.com', '--name', 'Ops', '--admin');
await intake.cli('token', 'create', '--name', 'ops', '--user', 'ops@example.com');
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const listed = await intake.cli('token', 'list');
  times.push(performance.now() - started);
  if (!listed.ok) throw new Error(`token list failed: ${JSON.stringify(listed)}`);
}
await intake.close();
times.sort((a, b) => a - b);
console.table([{ command: 'intake token list --json (through the socket)', runs, 'median ms': Math.round(times[Math.floor(runs / 2)]!), 'max ms': Math.round(times.at(-1)!), target: '< 1000' }]);
