// Typed GraphQL documents for the console, from the API as clients see it
// (schema/public.graphql, generated and drift-checked by the schema pipeline).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema/public.graphql',
  documents: ['src/**/*.tsx', 'src/**/*.ts', '!src/gql/**'],
  generates: {
    // CONSOLE_GQL_OUT lets the drift check generate elsewhere and compare.
    [process.env.CONSOLE_GQL_OUT ?? 'src/gql/']: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string', JSON: 'unknown', Upload: 'File' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
