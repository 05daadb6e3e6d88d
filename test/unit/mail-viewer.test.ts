import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { viewerPageWithHeaders } from '../../local/mail-viewer.js';

const require = createRequire(import.meta.url);
const packagedPage = readFileSync(
  join(dirname(require.resolve('aws-ses-v2-local/package.json')), 'static/index.html'),
  'utf8',
);

describe("the mail viewer's page", () => {
  it('of the installed aws-ses-v2-local lists no headers of its own, so the runner patches it', () => {
    expect(packagedPage).not.toContain('e.headers');
    const patched = viewerPageWithHeaders(packagedPage);
    expect(patched).toBeDefined();
    expect(patched?.match(/e\.headers/g)).toHaveLength(1);
    // Everything of the package's page is still there, in order.
    expect(patched?.replace(/\$\{\(e\.headers[^\n]*\n\s*/, '')).toBe(packagedPage);
  });

  it('is left as the package made it when it has changed shape', () => {
    expect(viewerPageWithHeaders('<html>another viewer</html>')).toBeUndefined();
  });
});
