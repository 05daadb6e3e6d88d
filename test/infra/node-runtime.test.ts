import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../lib/constructs/project-function.js';
import { repoPath } from '../../lib/repo-paths.js';

/** `nodejs24.x` → `24`. */
const lambdaMajor = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME.name)?.[1];

describe('the Node.js the code runs on', () => {
  it('is, for the tests, the major the functions are deployed on', () => {
    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });

  it('is pinned for every npm script by the `node` package, at the Lambda runtime major', () => {
    const manifest = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies.node).toMatch(new RegExp(`^\\^${lambdaMajor}\\.`));
  });
});
