import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships both index.js and index.mjs with no exports map. Node (and so graphql-yoga, which
    // vitest leaves to Node) loads the CommonJS build, while vite would hand our code the .mjs one: two
    // GraphQLError classes, and yoga would mask our BAD_USER_INPUT errors. One copy, as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own emulators on free ports; two workers keep a 2-core machine responsive.
    maxWorkers: 2,
    // Handlers log JSON for CloudWatch; tests assert on behaviour, not on log lines.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
