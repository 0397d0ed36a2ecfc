// Every module's GraphQL types (modules/index.ts), assembled.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './errors.ts';
import { MODULES } from '../modules/index.ts';

// Types may extend each other's (history adds fields to all), so modules load in registry order.
for (const module of MODULES) await module.schema?.();

export const schema = builder.toSchema();

/** The committed schema.graphql: sorted, so diffs show real changes only. */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
