/** The comparison tables in the warehouse: one transaction per run, re-running a run id replaces its rows. */
import type { ComparisonResult } from '../evaluate/report/index.ts';
import type { Warehouse } from '../store/index.ts';
import { COMPARISON_DDL } from './tables.ts';

/** One evaluated lead: both scores and the outcome (also written to comparison_leads). */
export interface ComparedLead {
  lead_id: string;
  converted: number;
  rule_score: number;
  rule_band: string;
  rule_probability: number;
  probability: number;
  predictive_score: number;
  predictive_band: string;
}

/** Write the comparison into the warehouse in one transaction; re-running a run id replaces its rows. */
export async function writeComparison(
  w: Warehouse,
  r: ComparisonResult,
  leads: ComparedLead[],
  reportPath: string | null,
): Promise<void> {
  await w.run(COMPARISON_DDL);
  await w.transaction(async (tx) => {
    for (const t of [
      'comparison_runs',
      'comparison_metrics',
      'comparison_bands',
      'comparison_agreement',
      'comparison_leads',
    ])
      await tx.run(`DELETE FROM ${t} WHERE run_id = $1`, [r.run_id]);
    const col = <K extends keyof ComparedLead>(k: K) => leads.map((l) => l[k]);
    await tx.append('comparison_leads', [
      { name: 'run_id', type: 'VARCHAR', values: leads.map(() => r.run_id) },
      { name: 'lead_id', type: 'VARCHAR', values: col('lead_id') },
      { name: 'converted', type: 'INTEGER', values: col('converted') },
      { name: 'rule_score', type: 'DOUBLE', values: col('rule_score') },
      { name: 'rule_band', type: 'VARCHAR', values: col('rule_band') },
      { name: 'rule_probability', type: 'DOUBLE', values: col('rule_probability') },
      { name: 'probability', type: 'DOUBLE', values: col('probability') },
      { name: 'predictive_score', type: 'INTEGER', values: col('predictive_score') },
      { name: 'predictive_band', type: 'VARCHAR', values: col('predictive_band') },
    ]);
    await tx.run(
      `INSERT INTO comparison_runs VALUES ($1, $2::TIMESTAMP, $3::TIMESTAMP, $4, $5, $6, $7, $8, $9, $10, $11::JSON)`,
      [
        r.run_id,
        r.created_at,
        r.as_of,
        r.horizon_days,
        r.model.name,
        r.model.version,
        r.rules_file,
        r.n_leads,
        r.n_converted,
        reportPath,
        JSON.stringify({ capture: r.capture, notes: r.notes }),
      ],
    );
    await tx.append('comparison_metrics', [
      ...(() => {
        const rows = Object.entries(r.metrics).flatMap(([scorer, m]) =>
          Object.entries(m).map(([metric, value]) => ({ scorer, metric, value })),
        );
        return [
          { name: 'run_id', type: 'VARCHAR' as const, values: rows.map(() => r.run_id) },
          { name: 'scorer', type: 'VARCHAR' as const, values: rows.map((x) => x.scorer) },
          { name: 'metric', type: 'VARCHAR' as const, values: rows.map((x) => x.metric) },
          { name: 'value', type: 'DOUBLE' as const, values: rows.map((x) => x.value) },
        ];
      })(),
    ]);
    await tx.append('comparison_bands', [
      { name: 'run_id', type: 'VARCHAR', values: r.bands.map(() => r.run_id) },
      { name: 'scorer', type: 'VARCHAR', values: r.bands.map((b) => b.source) },
      { name: 'band', type: 'VARCHAR', values: r.bands.map((b) => b.band) },
      { name: 'leads', type: 'BIGINT', values: r.bands.map((b) => b.leads) },
      { name: 'converted', type: 'BIGINT', values: r.bands.map((b) => b.converted) },
      { name: 'rate', type: 'DOUBLE', values: r.bands.map((b) => b.rate) },
    ]);
    await tx.append('comparison_agreement', [
      { name: 'run_id', type: 'VARCHAR', values: r.agreement.map(() => r.run_id) },
      { name: 'rule_band', type: 'VARCHAR', values: r.agreement.map((a) => a.rule_band) },
      { name: 'predictive_band', type: 'VARCHAR', values: r.agreement.map((a) => a.predictive_band) },
      { name: 'leads', type: 'BIGINT', values: r.agreement.map((a) => a.leads) },
      { name: 'converted', type: 'BIGINT', values: r.agreement.map((a) => a.converted) },
      { name: 'rate', type: 'DOUBLE', values: r.agreement.map((a) => a.rate) },
    ]);
  });
}
