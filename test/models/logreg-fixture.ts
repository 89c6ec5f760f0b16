/** Loads the shared L2 logistic regression problem and scikit-learn's optimum for it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { denseMatrix, type DenseMatrix } from '../../src/schema/matrix.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface ReferenceFit {
  intercept: number;
  coef: Record<string, number>;
  train_logloss_mean: number;
}

export interface LogregFixture {
  X: DenseMatrix;
  y: Uint8Array;
  /** feature columns in the reference JSON's order */
  columns: string[];
  reference: Record<'C=1.0' | 'C=0.1', ReferenceFit>;
}

/** Read the CSV, keeping its feature columns in the order the reference JSON lists them. */
export function loadLogregFixture(): LogregFixture {
  const json = JSON.parse(readFileSync(fixtures + 'logreg_sklearn_coefficients.json', 'utf8'));
  const lines = readFileSync(fixtures + 'logreg_problem.csv', 'utf8')
    .trim()
    .split(/\r?\n/);
  const header = lines[0].split(',');
  const labelAt = header.indexOf('y');
  const columns: string[] = (json.columns as string[]).filter((c) => header.includes(c) && c !== 'y');
  const sourceAt = columns.map((c) => header.indexOf(c));
  const rows = lines.length - 1;
  const data = new Float32Array(rows * columns.length);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const cells = lines[i + 1].split(',');
    y[i] = Number(cells[labelAt]);
    for (let j = 0; j < columns.length; j++) data[i * columns.length + j] = Number(cells[sourceAt[j]]);
  }
  return { X: denseMatrix(data, rows, columns.length, columns), y, columns, reference: json };
}
