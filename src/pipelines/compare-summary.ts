// summary.ts directly, not evaluate/report/index.ts: that also loads the chart renderer (vega).
/** The comparison's findings as plain sentences, as `compare` and `demo` print them. */
export { summarySentences, type SummarySentence } from '../evaluate/report/summary.ts';
