#!/usr/bin/env node
// The `intake` CLI: the compiled build (`npm install` makes it; `npm run build` refreshes it),
// or, in a checkout that was never built, the TypeScript source through tsx.
import fs from 'node:fs';

const compiled = new URL('../dist/bin.js', import.meta.url);
if (fs.existsSync(compiled)) {
  process.env.NODE_ENV ??= 'production';
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/bin.ts');
}
