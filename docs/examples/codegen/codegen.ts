// GraphQL Code Generator: TypeScript types for every operation in src/, from the API schema as
// clients see it (schema/public.graphql, generated and drift-checked by the schema pipeline).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // MEDIAMAGIC_SCHEMA lets the test run this config from a copy of the example.
  schema: process.env.MEDIAMAGIC_SCHEMA ?? '../../../schema/public.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  generates: {
    'src/gql/': {
      preset: 'client',
      config: {
        // The platform's custom scalars as they travel in JSON.
        scalars: { DateTime: 'string', JSON: 'unknown', Upload: 'File' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
