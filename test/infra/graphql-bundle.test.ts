import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entryOf } from '../../lambdas/contract/functions.js';
import { REPO_ROOT, repoPath } from '../../lib/repo-paths.js';

/**
 * graphql 16 ships an ES build (.mjs) and a CommonJS one (.js) side by side, with no exports map. The
 * stack bundles ES modules, preferring `module` to `main` (lib/constructs/project-function.ts): the
 * graphql function gets the .mjs files, unless a dependency imports a deep path such as
 * 'graphql/language/parser', which esbuild resolves to the .js file. Two copies means two GraphQLError
 * classes: Yoga then fails to recognise the other copy's errors and answers them with a 500 (that is
 * what graphql-armor-max-tokens did to every syntax error, see query-limits.ts). The unit tests cannot
 * see this, as Node loads the CommonJS copy for everyone.
 */
describe('the graphql function bundle', () => {
  it('holds one copy of graphql, the ES one', async () => {
    const result = await build({
      entryPoints: [repoPath(entryOf('graphql'))],
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const graphqlFiles = Object.keys(result.metafile.inputs).filter((file) =>
      file.startsWith('node_modules/graphql/'),
    );
    expect(graphqlFiles.length).toBeGreaterThan(0);
    expect(graphqlFiles.filter((file) => !file.endsWith('.mjs'))).toEqual([]);
  }, 60_000);
});
