// Every module's GraphQL types, assembled. Add a module's schema.ts here.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './errors.ts';
import '../modules/workspaces/schema.ts';
import '../modules/issues/schema.ts';
import '../modules/errors/schema.ts';
import '../modules/bug-reports/schema.ts';
import '../modules/reports/schema.ts';
import '../modules/history/schema.ts';

export const schema = builder.toSchema();

/** The committed schema.graphql: sorted, so diffs show real changes only. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
