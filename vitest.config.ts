import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One graphql realm: Vite would pick graphql's ESM build for our files while Pothos and Yoga
  // (loaded by Node) get the CommonJS one, and graphql refuses types from "another realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.spec.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker keeps the app's modules loaded from one file to the next (each file still builds its
    // own app on its own cloned database): importing Prisma, Pothos and the schema once per worker
    // instead of once per file took the suite from ~290 s to ~225 s here.
    isolate: false,
    // One worker per core: on this 2-core machine 2 workers ran the suite in 66 s with 118 s of CPU,
    // 3 in 80 s with 155 s (each worker's embedded databases and the spawned servers fought for the
    // cores), 1 in 106 s (idle while a test waits on a spawned process).
    maxWorkers: Math.max(2, availableParallelism()),
    // As `npm start`: the embedded database's WebAssembly is not optimised (README, "Footprint").
    execArgv: ['--liftoff-only'],
    // Transformed TypeScript kept in node_modules/.experimental-vitest-cache between runs (keyed by
    // each file's content): ~3.5 s of transforms per run otherwise.
    experimental: { fsModuleCache: true },
  },
});
