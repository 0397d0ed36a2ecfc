import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.ts';

describe('schema.graphql', () => {
  it('is the printed Pothos schema (run `npm run schema:print` after changing types)', () => {
    const committed = fs.readFileSync(path.resolve(import.meta.dirname, '../schema.graphql'), 'utf8');
    expect(committed).toBe(printedSchema());
  });
});
