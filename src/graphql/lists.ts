// What every list argument shares (GRAPHQL.md): filters in one input object per list, multi-value
// where a field takes several values, and `orderBy: {field, direction}` as GitHub spells it.
import { builder } from './builder.ts';

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'asc', description: 'Smallest first.' }, DESC: { value: 'desc', description: 'Largest (or newest) first.' } } as const,
});

/** A multi-value filter field as the domain reads it: undefined when absent or empty (no filter). */
export const anyOf = <T>(values: readonly T[] | null | undefined): T[] | undefined => (values && values.length > 0 ? [...values] : undefined);
