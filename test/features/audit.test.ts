import { describe, expect, it } from 'vitest';
import { auditLeakage, loadFlatFrame, rocAuc, stratifiedSplit, type FeatureFrame } from '../../src/features/index.ts';
import { DataError } from '../../src/errors.ts';
import { auditAndExclude } from '../../src/pipelines/leakage.ts';
import { rocAuc as metricsRocAuc } from '../../src/evaluate/metrics.ts';
import { mulberry32 } from '../../src/random.ts';
import { Warehouse } from '../../src/store/index.ts';
import { runLeadscore } from '../cli/run.ts';

// bundled with the project (data/README.md)
const XE = 'data/x_education_leads.csv';

describe('rocAuc', () => {
  it('matches hand-computed values with ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([0, 1, 2], [0, 0, 0])).toBe(0.5);
  });
});

describe('auditLeakage', () => {
  it('does not let a unique-per-row categorical reach AUC 1 (out-of-fold levels)', () => {
    const n = 400;
    const label = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const f: FeatureFrame = {
      ids: Array.from({ length: n }, (_, i) => `r${i}`),
      asOf: new Float64Array(n),
      label,
      columns: [
        { name: 'unique_code', kind: 'categorical', values: Array.from({ length: n }, (_, i) => `c${i}`) },
        {
          name: 'outcome_note',
          kind: 'categorical',
          values: Array.from(label, (y, i) => (y ? 'closed' : i % 2 ? 'no answer' : 'ringing')),
        },
        {
          name: 'filled_for_winners',
          kind: 'numeric',
          values: Float64Array.from(label, (y, i) => (y || i % 7 === 0 ? (i % 5) + 1 : NaN)),
        },
      ],
    };
    const r = auditLeakage(
      f,
      Int32Array.from({ length: n }, (_, i) => i),
    );
    const by = Object.fromEntries(r.features.map((x) => [x.column, x]));
    expect(by.unique_code.auc).toBeLessThan(0.6);
    expect(by.outcome_note.auc).toBeGreaterThan(0.99);
    expect(by.filled_for_winners.missing_rate_pos).toBe(0);
    expect(by.filled_for_winners.missing_rate_neg).toBeGreaterThan(0.8);
    expect(r.suspected.map((s) => s.column).sort()).toEqual(['filled_for_winners', 'outcome_note']);
  });

  it('on X Education flags Tags and Lead Quality, not the behavioural columns', async () => {
    const frame = await loadFlatFrame(XE, { target: 'Converted', id: 'Prospect ID' });
    expect(frame.ids.length).toBe(9240);
    expect(frame.notes!.join(' ')).toMatch(/"Lead Number" looks like an ID/);
    expect(frame.columns.find((c) => c.name === 'TotalVisits')!.kind).toBe('numeric');
    // "Select" (the form's placeholder) is a behaviour, kept as a level: the same table `train --data` reads
    expect(
      (frame.columns.find((c) => c.name === 'Specialization')!.values as (string | null)[]).includes('Select'),
    ).toBe(true);
    for (const seed of [1, 2, 3]) {
      const split = stratifiedSplit(frame.label!, { train: 0.7, test: 0.3 }, seed);
      const report = auditLeakage(frame, split.train, { seed });
      const flagged = report.suspected.map((s) => s.column);
      expect(flagged).toContain('Tags');
      expect(flagged).toContain('Lead Quality');
      for (const ok of [
        'TotalVisits',
        'Total Time Spent on Website',
        'Page Views Per Visit',
        'Lead Origin',
        'Lead Source',
        'Last Activity',
      ])
        expect(flagged).not.toContain(ok);
    }
  });

  it('as training runs it (names, dominance): Tags and Lead Quality out on X Education, the rest kept', async () => {
    const frame = await loadFlatFrame(XE, { target: 'Converted', id: 'Prospect ID' });
    for (const seed of [1, 2, 3]) {
      const split = stratifiedSplit(frame.label!, { train: 0.8, test: 0.2 }, seed);
      const r = auditAndExclude(frame, split.train, null, { failOnLeakage: false, keep: [], exclude: [], seed });
      expect(r.excluded.map((e) => e.column).sort()).toEqual(['Lead Quality', 'Tags']);
      expect(r.excluded.find((e) => e.column === 'Tags')!.reason).toMatch(/tags sales put on a lead/);
      // with them out, no column dominates: nothing to warn about
      expect(r.warnings).toEqual([]);
      expect(r.record.dominance.map((d) => d.column)).toContain('Total Time Spent on Website');
    }
  });

  it('reads a flat table from a warehouse table too, and explains an unknown target', async () => {
    const w = await Warehouse.open(':memory:');
    try {
      await w.run(
        `CREATE TABLE t AS SELECT i AS id, i % 2 AS won, CASE WHEN i % 3 = 0 THEN 'Select' ELSE 'x' || (i % 4) ` +
          `END AS c, i * 1.5 AS v FROM range(50) r(i)`,
      );
      const f = await loadFlatFrame({ w, table: 't' }, { target: 'won', id: 'id' });
      expect(f.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['c:categorical', 'v:numeric']);
      expect((f.columns[0].values as (string | null)[])[0]).toBe('Select'); // a placeholder is a level, not missing
      await expect(loadFlatFrame({ w, table: 't' }, { target: 'wonn' })).rejects.toThrow(DataError);
      await expect(loadFlatFrame({ w, table: 't' }, { target: 'wonn' })).rejects.toMatchObject({
        hint: 'did you mean "won"?',
      });
      const g = await loadFlatFrame(
        { w, table: 't' },
        { target: 'won', overrides: { columns: { v: { kind: 'categorical' } }, exclude: ['c'] } },
      );
      expect(g.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['v:categorical']);
    } finally {
      await w.close();
    }
  });

  it('CLI: audit --json on a flat file; --fail-on-leakage exits 3', async () => {
    const args = ['features', 'audit', '--data', XE, '--target', 'Converted', '--id', 'Prospect ID', '--json'];
    const r = await runLeadscore(args);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.suspected.map((s: { column: string }) => s.column)).toEqual(
      expect.arrayContaining(['Tags', 'Lead Quality']),
    );
    expect(out.features.find((f: { column: string }) => f.column === 'TotalVisits')).toMatchObject({ kind: 'numeric' });
    const failing = await runLeadscore([...args.slice(0, -1), '--fail-on-leakage']);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toMatch(/suspected leakage in \d+ column\(s\): .*Tags/);
  });
});

describe('rocAuc against the metrics module', () => {
  it('agrees with evaluate/metrics rocAuc on random scores with many ties', () => {
    const r = mulberry32(4);
    for (let t = 0; t < 20; t++) {
      const n = 50 + Math.floor(r() * 500);
      const score = Float64Array.from({ length: n }, () => Math.floor(r() * 12) / 3 - (r() < 0.1 ? Infinity : 0));
      const y = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
      if (y.every((v) => v === y[0])) continue;
      expect(rocAuc(score, y)).toBeCloseTo(metricsRocAuc(y, score), 12);
    }
  });
});
