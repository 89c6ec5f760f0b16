import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadscoreError } from '../../src/errors.ts';
import {
  bandColor,
  parseComparisonResult,
  renderCompareReport,
  summarySentences,
  topTenRatio,
  type ComparisonResult,
} from '../../src/evaluate/report/index.ts';
import { comparisonFixture } from './comparison-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `report.test: ${CHROMIUM} not found, skipping the browser checks (apt-get install chromium; CI installs it)`,
  );

const CHARTS = ['roc', 'gains', 'reliability', 'distribution', 'bands', 'agreement'];

/** Value at a dotted path in the result; `derived.*` paths are recomputed here, independently of the page. */
function valueAt(result: ComparisonResult, metric: string): number {
  if (metric === 'derived.top10_ratio')
    return result.metrics.predictive.gains_at_10pct / result.metrics.rules.gains_at_10pct;
  const v = metric.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], result);
  if (typeof v !== 'number') throw new Error(`${metric} is not a number in the result`);
  return v;
}

/** Parse a displayed number back ("1,234", "12.3%", "0.812", "1.8x") with the tolerance its rounding allows. */
function parseShown(text: string): { value: number; tolerance: number } {
  const m = /^(-?[\d,]+)(?:\.(\d+))?(%|x)?$/.exec(text.trim());
  if (!m) throw new Error(`not a displayed number: "${text}"`);
  const decimals = m[2]?.length ?? 0;
  const scale = m[3] === '%' ? 0.01 : 1;
  const value = Number(`${m[1].replace(/,/g, '')}.${m[2] ?? '0'}`) * scale;
  return { value, tolerance: (0.5 * 10 ** -decimals + 1e-9) * scale };
}

describe('comparison report: content', () => {
  const result = comparisonFixture();

  it('summarises with the numbers in the result', () => {
    const byKey = Object.fromEntries(summarySentences(result).map((s) => [s.key, s]));
    expect(Object.keys(byKey)).toEqual(['overview', 'ranking', 'top_of_list', 'top10_ratio', 'capture', 'calibration']);
    expect(byKey.top10_ratio.value).toBeCloseTo(
      result.metrics.predictive.gains_at_10pct / result.metrics.rules.gains_at_10pct,
      12,
    );
    expect(byKey.top10_ratio.text).toMatch(
      /^The predictive score finds \d+\.\dx as many converting leads in the top 10% as the points score/,
    );
    expect(byKey.capture.text).toContain(
      `Of the ${result.capture.mql_leads.toLocaleString('en-US')} leads the rules call MQL, ` +
        `${result.capture.mql_converted} converted`,
    );
    expect(byKey.ranking.text).toMatch(
      /^The predictive score ranks leads better overall: ROC AUC 0\.\d{3} \(0\.\d{3}–0\.\d{3}\)/,
    );
    expect(byKey.calibration.text).toMatch(
      /^Predicted probabilities are honest: expected calibration error 0\.0\d\d \(0\.0\d\d–0\.0\d\d\)\.$/,
    );
  });

  it('without intervals, says so when the points score wins or probabilities are off', () => {
    const worse: ComparisonResult = structuredClone(result);
    delete worse.intervals;
    worse.metrics.predictive.gains_at_10pct = result.metrics.rules.gains_at_10pct / 2;
    worse.metrics.predictive.ece = 0.12;
    worse.metrics.predictive.auc = result.metrics.rules.auc - 0.05;
    const byKey = Object.fromEntries(summarySentences(worse).map((s) => [s.key, s.text]));
    expect(byKey.top10_ratio).toContain('finds only 0.5x as many');
    expect(byKey.top10_ratio).toContain('the points score ranks the top better');
    expect(byKey.calibration).toMatch(/^Predicted probabilities are off/);
    expect(byKey.ranking).toMatch(/^The points score ranks leads better/);
    expect(
      topTenRatio({ ...worse, metrics: { ...worse.metrics, rules: { ...worse.metrics.rules, gains_at_10pct: 0 } } }),
    ).toBe(Infinity);
  });

  it('never calls one score better when their intervals overlap, and cautions on few converters', () => {
    // 200 leads, 25 converters: data where the two scores cannot be told apart
    const small = comparisonFixture(200, 1);
    const i = small.intervals!;
    const overlap = (m: string) => !(i.predictive[m][0] > i.rules[m][1] || i.rules[m][0] > i.predictive[m][1]);
    for (const m of ['auc', 'pr_auc', 'lift_at_5pct', 'gains_at_10pct']) expect(overlap(m), m).toBe(true);
    const sentences = summarySentences(small);
    const byKey = Object.fromEntries(sentences.map((s) => [s.key, s.text]));
    expect(byKey.ranking).toMatch(/^The two scores rank leads about the same overall/);
    expect(byKey.top_of_list).toMatch(/^At the top of the list the two scores are about the same/);
    expect(byKey.top10_ratio).toMatch(/^The two scores find about as many converting leads/);
    expect(byKey.small_sample).toMatch(/^Caution: only \d+ leads converted \(fewer than 100\)/);
    expect(byKey.calibration).toMatch(/^Too few converters to judge calibration/);
    for (const s of sentences)
      expect(s.text).not.toMatch(/ranks leads better|score is better|ranks the top better|honest/);
  });

  it('inside the training window: a loud banner, no "holdout", no "honest"', async () => {
    const inside: ComparisonResult = {
      ...structuredClone(result),
      training_overlap: { overlaps: true, fitted_until: '2024-09-30' },
    };
    const byKey = Object.fromEntries(summarySentences(inside).map((s) => [s.key, s.text]));
    expect(byKey.overview).toContain('inside the period the model was fitted on (not a holdout)');
    expect(byKey.calibration).toMatch(/^Calibration cannot be judged on these leads/);
    const html = await renderCompareReport(inside);
    expect(html).toContain('data-banner="training-overlap"');
    expect(html).toContain('Not a holdout.');
    expect(html).not.toMatch(/\bholdout leads\b|are honest/);
    expect(await renderCompareReport(result)).not.toContain('data-banner=');
  });

  it('rejects a malformed result naming the bad field', async () => {
    const bad = structuredClone(result) as unknown as { metrics: { rules: { auc: unknown } } };
    bad.metrics.rules.auc = 'high';
    expect(() => parseComparisonResult(bad)).toThrow(/metrics\.rules\.auc/);
    await expect(renderCompareReport(bad as unknown as ComparisonResult)).rejects.toBeInstanceOf(LeadscoreError);
  });

  it('colours bands from the one palette the CLI and the rules file use', () => {
    expect(bandColor('Hot', 0, 3)).toBe('#d7301f');
    expect(bandColor('cold', 2, 3)).toBe('#3b75af');
    // Unknown names fall back to rank: hottest red, coldest grey.
    expect(bandColor('A', 0, 4)).toBe('#d7301f');
    expect(bandColor('D', 3, 4)).toBe('#8c8c8c');
  });

  it('escapes CRM text and references nothing on the network', async () => {
    const hostile: ComparisonResult = structuredClone(result);
    hostile.disagreements[0].lead_id = '<img src=x onerror=alert(1)>';
    hostile.disagreements[0].rule_reasons = ['</script><script>alert(2)</script>'];
    const html = await renderCompareReport(hostile);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html.match(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//gi)).toBeNull();
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
    expect(html.match(/<script\b(?![^>]*type="application\/json")/gi)).toBeNull();
    // Inline SVGs share one document: their clip/gradient ids must not collide.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('comparison report: in a browser', () => {
  const result = comparisonFixture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-report-'));
  const file = path.join(dir, 'compare.html');
  let browser: Browser | undefined;

  beforeAll(async () => {
    fs.writeFileSync(file, await renderCompareReport(result));
    if (hasChromium) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    }
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)('opens offline, draws every chart, shows the JSON numbers and screenshots', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]); // the page itself and nothing else

    // Every chart: an <svg> with a real size and enough drawn marks.
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          drawn: svg ? svg.querySelectorAll('path, line, rect, text, circle').length : 0,
          lines: svg ? svg.querySelectorAll('.mark-line.role-mark path').length : 0,
          // Vertices of the most detailed line: a curve drawn from data, not a stub.
          vertices: Math.max(
            0,
            ...[...(svg?.querySelectorAll('.mark-line.role-mark path') ?? [])].map(
              (p) => (p.getAttribute('d') ?? '').split(/[LM]/).length - 1,
            ),
          ),
          bars: svg ? svg.querySelectorAll('.mark-rect.role-mark path').length : 0,
        };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(CHARTS);
    for (const c of charts) {
      expect(c.width, c.id!).toBeGreaterThan(250);
      expect(c.height, c.id!).toBeGreaterThan(150);
      expect(c.drawn, c.id!).toBeGreaterThan(30);
    }
    const chart = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(chart.roc.lines).toBe(3); // rules, predictive, random
    expect(chart.gains.lines).toBe(3);
    expect(chart.reliability.lines).toBe(3);
    expect(chart.roc.vertices).toBeGreaterThan(100);
    expect(chart.gains.vertices).toBe(result.curves.gains.rules.length);
    expect(chart.distribution.bars).toBe(result.curves.score_histogram.length);
    expect(chart.bands.bars).toBe(result.bands.length);
    expect(chart.agreement.bars).toBe(result.agreement.length);

    // Numbers on the page read back to the JSON they came from.
    const shown = await page.$$eval('[data-metric]', (els) =>
      els.map((e) => ({ metric: e.getAttribute('data-metric')!, text: e.textContent ?? '' })),
    );
    const summaryMetrics = await page.$$eval('ul.summary [data-metric]', (els) =>
      els.map((e) => e.getAttribute('data-metric')),
    );
    expect(summaryMetrics).toEqual(
      expect.arrayContaining([
        'n_leads',
        'derived.top10_ratio',
        'capture.mql_leads',
        'capture.mql_converted',
        'capture.top_predictive_converted',
        'metrics.predictive.ece',
      ]),
    );
    expect(shown.length).toBeGreaterThan(30);
    for (const { metric, text } of shown) {
      const { value, tolerance } = parseShown(text);
      expect(Math.abs(value - valueAt(result, metric)), `${metric} shows "${text}"`).toBeLessThanOrEqual(tolerance);
    }

    // The better value of each metric is the highlighted one.
    const better = await page.$$eval('table.metrics tbody tr', (rows) =>
      rows.map((r) => ({
        row: r.getAttribute('data-row')!,
        winner: r.querySelector('td.better [data-metric]')?.getAttribute('data-metric') ?? null,
      })),
    );
    expect(better.find((b) => b.row === 'auc')?.winner).toBe('metrics.predictive.auc');
    expect(better.find((b) => b.row === 'ece')?.winner).toBe('metrics.predictive.ece'); // lower is better
    expect(better).toHaveLength(11);

    // Disagreements both ways, each with how its whole group converted and example leads with both sides' reasons.
    const groups = await page.$$eval('div.disagreement-group', (gs) =>
      gs.map((g) => ({
        direction: g.getAttribute('data-direction'),
        rows: g.querySelectorAll('tbody tr').length,
        reasons: g.querySelectorAll('tbody td ul li').length,
        stats: g.querySelector('.group-stats')?.textContent ?? '',
      })),
    );
    expect(groups.map((g) => g.direction)).toEqual(['rules_higher', 'model_higher']);
    for (const g of groups) {
      expect(g.rows, g.direction!).toBeGreaterThan(0);
      expect(g.reasons, g.direction!).toBeGreaterThanOrEqual(2 * g.rows);
      expect(g.stats).toMatch(/converted \(\d+\.\d%, against \d+\.\d% of all leads\)/);
    }
    // A confidence interval under each metric that has one, for both scores.
    const cis = await page.$$eval('table.metrics small.ci', (els) => els.map((e) => e.textContent ?? ''));
    expect(cis.length).toBe(2 * Object.keys(result.intervals!.predictive).length);
    for (const ci of cis) expect(ci).toMatch(/^[\d.,%]+–[\d.,%]+$/);
    // The reliability diagram's axes cover the predictions' range, not 0-100%.
    const ticks = await page.$$eval('figure[data-chart="reliability"] .role-axis-label text', (els) =>
      els.map((e) => parseFloat(e.textContent ?? '')),
    );
    const highest = Math.max(...result.curves.reliability.predictive.map((b) => b.mean_predicted));
    expect(Math.max(...ticks)).toBeLessThan(100);
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(100 * highest);

    // The embedded JSON round-trips to the input.
    const embedded = await page.$eval('#comparison-data', (e) => JSON.parse(e.textContent ?? 'null'));
    expect(embedded).toEqual(result);

    const png = path.join(dir, 'compare.png');
    await page.screenshot({ path: png, fullPage: true });
    const bytes = fs.readFileSync(png);
    expect(bytes.length).toBeGreaterThan(50_000);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    await page.close();
  });
});
