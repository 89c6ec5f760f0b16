import { afterEach, describe, expect, it, vi } from 'vitest';
import { action, printJson, progress, withCliRun, type CliIo } from '../../src/cli/output.ts';
import { DataError } from '../../src/errors.ts';

function bufferIo(isTTY: boolean): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY,
    stdout: (s: string) => void (io.out += s),
    stderr: (s: string) => void (io.err += s),
  };
  return io;
}

afterEach(() => vi.useRealTimers());

describe('progress', () => {
  it('in a log: the first update at once, then at most one line a second, the latest of a burst', async () => {
    vi.useFakeTimers();
    const io = bufferIo(false);
    await withCliRun(io, async () => {
      const p = progress('train');
      p.update('reading x.csv');
      expect(io.err).toBe('train: reading x.csv (0.0s)\n');
      vi.advanceTimersByTime(2000);
      p.update('reading x.csv'); // the pipeline repeats the stage the command announced
      expect(io.err).toBe('train: reading x.csv (0.0s)\n');
      p.update('epoch 1');
      vi.advanceTimersByTime(300);
      p.update('epoch 2');
      p.update('epoch 3');
      expect(io.err.split('\n').length).toBe(3);
      vi.advanceTimersByTime(700);
      expect(io.err).toBe('train: reading x.csv (0.0s)\ntrain: epoch 1 (2.0s)\ntrain: epoch 3 (3.0s)\n');
      vi.advanceTimersByTime(5000);
      p.update('saving');
      expect(io.err).toMatch(/train: saving \(8\.0s\)\n$/);
      p.done('flat@v0001');
      expect(io.err).toMatch(/train: flat@v0001 \(8\.0s\)\n$/);
      printJson({ ok: true });
    });
    expect(io.out).toBe('{\n  "ok": true\n}\n'); // progress never reaches stdout
  });

  it('on a terminal: redraws one line in place', async () => {
    const io = bufferIo(true);
    await withCliRun(io, async () => {
      const p = progress('score');
      p.update('a');
      p.update('b');
      p.done('10 leads');
    });
    const redraw = '\r\x1b[K'; // carriage return, then erase the line
    expect(io.err.startsWith(`${redraw}score: a${redraw}score: b${redraw}score: 10 leads (`)).toBe(true);
    expect(io.err).toMatch(/ \(\d\.\ds\)\n$/);
  });

  it('an error shows the stage it happened in, then the message and hint, and sets the run exit code', async () => {
    vi.useFakeTimers();
    const io = bufferIo(false);
    const { exitCode } = await withCliRun(io, () =>
      action(async () => {
        const p = progress('compare');
        p.update('features');
        p.update('reading the model');
        throw new DataError('no leads', 'ingest some');
      })(),
    );
    expect(exitCode).toBe(3);
    expect(io.err).toBe(
      'compare: features (0.0s)\ncompare: reading the model (0.0s)\nerror: no leads\nhint: ingest some\n',
    );
    vi.advanceTimersByTime(5000);
    expect(io.err).toMatch(/hint: ingest some\n$/); // nothing left to print late
  });
});
