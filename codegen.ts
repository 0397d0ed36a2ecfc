// `npm run codegen` — typed GraphQL operations for tests and clients, generated from the checked-in
// schema.graphql (no running server needed). Operations are written with `graphql(...)` from
// test/gql; re-run after changing schema.graphql or an operation. The output is committed.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', NonNegativeInt: 'number', File: 'File' },
      },
    },
  },
  ignoreNoDocuments: true,
};

export default config;
