// `npm start` as package.json writes it, for the tests and benchmarks that spawn the compiled
// server: the same node flags (--liftoff-only alone took a start from ~7.3 to ~4.2 s of CPU here)
// and NODE_ENV=production, so they run what a user runs.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const startScript = (): string => JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;

/** The node flags between `node` and `dist/main.js`. */
export const npmStartNodeFlags = (): string[] =>
  startScript().replace(/^.*?\bnode\s+/, '').replace(/\s*dist\/main\.js.*$/, '').split(/\s+/).filter(Boolean);

/** `node <flags> dist/main.js` as arguments to spawn process.execPath with, and the environment the script sets. */
export function npmStartCommand(): { args: string[]; env: Record<string, string> } {
  const env = Object.fromEntries([...startScript().replace(/\bnode\s.*$/, '').matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1]!, m[2]!]));
  return { args: [...npmStartNodeFlags(), path.join(root, 'dist/main.js')], env };
}
