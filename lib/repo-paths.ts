import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found from this file rather than from the working directory, so that the
 * CDK CLI, the tests and an editor all bundle the same sources whatever directory they start in.
 */
export const REPO_ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));

export const repoPath = (relative: string): string => path.join(REPO_ROOT, relative);
