import { describe, expect, it } from 'vitest';
import { ChunkPool } from '../../src/synth/pool.ts';

describe('ChunkPool', () => {
  it('rejects (rather than hangs) when a worker fails a chunk, and after it is closed', async () => {
    const pool = new ChunkPool(1, 1_000);
    try {
      // no plan sent: the worker answers with an error
      await expect(pool.chunk(0, 10)).rejects.toThrow(/chunk requested before the plan/);
    } finally {
      await pool.close();
    }
    await expect(pool.chunk(0, 10)).rejects.toThrow(/closed/);
  });
});
