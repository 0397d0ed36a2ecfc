// GraphQL enum names are upper-case; their values are the domain's (and the REST APIs') strings.
export const enumValues = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.replace(/\W+/g, '_').toUpperCase(), { value }])) as Record<string, { value: T }>;
