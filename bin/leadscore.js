#!/usr/bin/env node
// The installed `leadscore` command: the compiled CLI in dist/, built by `npm run build` (which
// `npm install` and `npm ci` run as the package's prepare script).
try {
  await import('../dist/cli/main.js');
} catch (err) {
  const entry = import.meta.resolve('../dist/cli/main.js');
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || err.url !== entry) throw err; // only a missing build is ours to explain
  process.stderr.write('error: leadscore is not built (dist/ is missing)\nhint: run `npm run build` in its folder\n');
  process.exitCode = 1;
}
