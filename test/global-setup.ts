import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Once per `vitest run`: every temp dir the tests make (os.tmpdir() reads TMPDIR) goes under one directory of this
 * run, removed at the end, so repeated runs do not fill the machine's /tmp with warehouses. The test workers are
 * forked after this and inherit the variable. LEADSCORE_KEEP_TEST_TMP=1 keeps it for a post-mortem.
 */
export default function setup(): () => void {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), `leadscore-test-run-${process.pid}-`));
  process.env.TMPDIR = runDir;
  return () => {
    if (process.env.LEADSCORE_KEEP_TEST_TMP === '1') console.log(`test temp files kept in ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  };
}
