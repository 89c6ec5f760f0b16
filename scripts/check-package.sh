#!/usr/bin/env bash
# Prove leadscore works as a dependency of another project: a scratch project installs this checkout
# (npm runs its prepare script, which builds dist/), then an ES module imports the library API from
# 'leadscore' and runs generate -> train -> score on a tiny synthetic CRM, with the package's bundled
# features and rules. About 30 s. Usage: scripts/check-package.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/leadscore-package-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
printf '{ "name": "leadscore-consumer", "private": true, "type": "module" }\n' > package.json
npm install "$root" --no-audit --no-fund --loglevel=error

# A small, quick model: few epochs, no cross-fitted stacking.
cat > train.yaml <<'EOF'
name: pkg
neural: { hidden: [8], maxEpochs: 3 }
stacking: { mode: holdout }
EOF

cat > check.mjs <<'EOF'
import assert from 'node:assert/strict';
import { compare, generate, ingest, monitor, score, train, UsageError } from 'leadscore';

for (const [name, fn] of Object.entries({ ingest, generate, train, score, compare, monitor }))
  assert.equal(typeof fn, 'function', `${name} is exported as a function`);
await assert.rejects(generate({ db: 'crm.duckdb', leads: -1 }), UsageError);
// each step says when it is done, so a run that stops somewhere shows where
const step = (what) => console.log(`package check: ${what} (${(performance.now() / 1000).toFixed(1)} s)`);
const { db, report } = await generate({ db: 'crm.duckdb', leads: 1500, seed: 7 });
step('generated');
assert.equal(report.rows.leads, 1500);
const trained = await train({ pipeline: 'train.yaml', db, modelsDir: 'models' });
assert.equal(trained.model.name, 'pkg');
step('trained');
const auc = trained.metrics.blend?.auc;
assert.ok(auc > 0.5, `test AUC ${auc} beats chance`);
const model = `pkg@${trained.model.version}`;
const scored = await score({ db, model, modelsDir: 'models', asOf: new Date(report.end) });
assert.ok(scored.rows > 0, 'scored some open leads');
step('scored');
console.log(`package check: ${model} test AUC ${auc.toFixed(3)}, scored ${scored.rows} leads`);
EOF
node check.mjs
