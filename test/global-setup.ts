import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED_PREFIX } from './pipelines/fixture-paths.ts';

/** Once per `vitest run`: nothing to set up; at the end, remove the fixtures this run's test files shared. */
export default function setup(): () => void {
  return () => {
    const mine = `${SHARED_PREFIX}${process.pid}-`;
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (name.startsWith(mine)) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  };
}
