// `npm run schema:print` — writes schema.graphql from the Pothos schema (a test fails when stale).
import fs from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/graphql/schema.ts';

const target = path.resolve(import.meta.dirname, '../schema.graphql');
fs.writeFileSync(target, printedSchema());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
