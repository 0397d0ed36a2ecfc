#!/usr/bin/env node
// The `intake` CLI: the compiled build (`npm install` makes it; `npm run build` refreshes it),
// or, in a checkout that was never built, the TypeScript source through tsx.
import fs from 'node:fs';
import v8 from 'node:v8';

// As `npm start` (package.json): WebAssembly (the embedded database, Prisma's query compiler) runs
// on V8's baseline compiler only; optimising it costs a short command more than it saves. Set
// before any module is compiled, which is when V8 reads it.
v8.setFlagsFromString('--liftoff-only');

const compiled = new URL('../dist/bin.js', import.meta.url);
if (fs.existsSync(compiled)) {
  process.env.NODE_ENV ??= 'production';
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/bin.ts');
}
