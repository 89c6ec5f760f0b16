#!/usr/bin/python3
"""Peer timing on an identical, already-encoded matrix: scikit-learn LogisticRegression (C=1, lbfgs)
and MLPClassifier fitted on train.csv (label in the first column), then predict_proba on predict.csv.
Prints one JSON line. Called by test/bench/run.ts; needs python3-sklearn (Debian)."""
import json, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

train = np.loadtxt(sys.argv[1], delimiter=',', dtype=np.float64)
pred = np.loadtxt(sys.argv[2], delimiter=',', dtype=np.float32)
y, X = train[:, 0].astype(int), train[:, 1:]
out = {}
for name, model in [('logistic', LogisticRegression(C=1.0, max_iter=2000)),
                    ('mlp', MLPClassifier(hidden_layer_sizes=(64, 32), early_stopping=True, random_state=7, max_iter=200))]:
    t = time.perf_counter(); model.fit(X, y); fit_s = time.perf_counter() - t
    t = time.perf_counter(); model.predict_proba(pred); predict_s = time.perf_counter() - t
    out[name] = {'fit_s': fit_s, 'predict_s': predict_s, 'predict_rows': int(pred.shape[0])}
print(json.dumps(out))
