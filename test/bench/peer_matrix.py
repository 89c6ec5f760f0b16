#!/usr/bin/python3
"""Peer timing on an identical, already-encoded matrix, written by test/bench/ratios.ts as raw float32
(little-endian, row-major, COLS columns) with the labels as one uint8 per row:
  peer_matrix.py TRAIN_X TRAIN_Y PREDICT_X COLS
Fits scikit-learn LogisticRegression (C=1, lbfgs), MLPClassifier (64, 32) and
HistGradientBoostingClassifier (defaults, random_state=7) on the training rows and, when Debian's
python3-xgboost is importable, XGBClassifier with ../shared/bench/peer_sklearn.py's settings (hist,
2 threads, at most 400 trees, early-stopped after 30 rounds on a seeded, stratified 10% of the
training rows); times predict_proba on the predict rows. Each model is fitted FIT_REPEATS times (as
ratios.ts does; the MLP with seeds 7, 8, 9, the others with seed 7 each time): fit_s is the median,
first_fit_s the first. Prints one JSON line: per model fit_s,
first_fit_s, predict_s, predict_rows (and trees, grown for the boosted ones). Needs python3-sklearn (Debian)."""
import json, sys, time
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SEED = 7
cols = int(sys.argv[4])
X = np.fromfile(sys.argv[1], dtype='<f4').reshape(-1, cols).astype(np.float64)
y = np.fromfile(sys.argv[2], dtype=np.uint8).astype(int)
pred = np.fromfile(sys.argv[3], dtype='<f4').reshape(-1, cols)
assert len(y) == X.shape[0], 'labels and training rows differ in number'


FIT_REPEATS = 3


def timed(model, fit, reseed=False):
    times = []
    for k in range(FIT_REPEATS):  # fit() starts over each time (no warm_start): the same model, refitted
        if reseed:  # seeds SEED, SEED + 1, ...: how many epochs early stopping runs depends on the seed
            model.set_params(random_state=SEED + k)
        t = time.perf_counter(); fit(); times.append(time.perf_counter() - t)
    t = time.perf_counter(); model.predict_proba(pred); predict_s = time.perf_counter() - t
    return {'fit_s': float(np.median(times)), 'first_fit_s': times[0], 'predict_s': predict_s,
            'predict_rows': int(pred.shape[0])}


models = {'logistic': LogisticRegression(C=1.0, max_iter=2000),
          'mlp': MLPClassifier(hidden_layer_sizes=(64, 32), early_stopping=True, random_state=SEED, max_iter=200),
          'hgb': HistGradientBoostingClassifier(random_state=SEED)}
out = {name: timed(model, lambda: model.fit(X, y), reseed=name == 'mlp') for name, model in models.items()}
# below 10000 training rows HGB's early_stopping='auto' is off: it grows max_iter (100) trees
out['hgb']['trees'] = out['hgb']['grown'] = int(models['hgb'].n_iter_)
try:
    from xgboost import XGBClassifier
except ImportError:
    XGBClassifier = None
if XGBClassifier is not None:
    Xa, Xv, ya, yv = train_test_split(X, y, test_size=0.1, stratify=y, random_state=SEED)
    xgb = XGBClassifier(n_estimators=400, learning_rate=0.05, max_depth=6, subsample=0.8, colsample_bytree=0.8,
                        tree_method='hist', n_jobs=2, random_state=SEED, early_stopping_rounds=30,
                        eval_metric='logloss')
    # predict_proba uses the best iteration's trees, as in peer_sklearn.py
    out['xgb'] = timed(xgb, lambda: xgb.fit(Xa, ya, eval_set=[(Xv, yv)], verbose=False))
    out['xgb']['trees'] = int(xgb.best_iteration) + 1
    out['xgb']['grown'] = int(xgb.get_booster().num_boosted_rounds())
print(json.dumps(out))
