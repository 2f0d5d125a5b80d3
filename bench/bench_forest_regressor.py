#!/usr/bin/python3
"""Fit time and held-out error of franca's RandomForestRegressor against scikit-learn's, in the
same run, for each regression criterion: squared_error (histogram splits) and absolute_error
(medians: franca's CPU grower sweeps each feature with a Fenwick tree over the node's ranks of y,
as scikit-learn 1.8+ does; on any device it grows on the CPU). make_regression (--rows x 20), 20
trees of depth 12, n_jobs=-1 for both; the error is each criterion's own (mean squared or mean
absolute) on 25% held-out rows.

    FRANCA_LIBRARY=build/lib/libfranca.so python3 bench/bench_forest_regressor.py --rows 50000
"""
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_regression
from sklearn.ensemble import RandomForestRegressor as SkForest
from sklearn.metrics import mean_absolute_error, mean_squared_error

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))
import _report  # noqa: E402

TREES, DEPTH = 20, 12
ERRORS = {"squared_error": mean_squared_error, "absolute_error": mean_absolute_error}


def fit_time(forest, X, y, X_test, y_test, criterion):
    start = time.perf_counter()
    forest.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, ERRORS[criterion](y_test, forest.predict(X_test))


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="training rows (default 50,000)")
    args = parser.parse_args()
    import franca
    from franca.ensemble import RandomForestRegressor

    X, y = make_regression(n_samples=args.rows * 4 // 3, n_features=20, n_informative=10, noise=20.0, random_state=0)
    y = y + np.random.default_rng(0).standard_t(2, size=len(y)) * 20  # heavy tails, where medians help
    X_train, y_train, X_test, y_test = X[:args.rows], y[:args.rows], X[args.rows:], y[args.rows:]
    parts = [_report.show(_report.machine_line(args.device))]
    rows = []
    for criterion in ERRORS:
        params = dict(n_estimators=TREES, max_depth=DEPTH, criterion=criterion, random_state=0, n_jobs=-1)
        with franca.config_context(device=args.device):
            ours, our_error = fit_time(RandomForestRegressor(**params), X_train, y_train, X_test, y_test, criterion)
        theirs, their_error = fit_time(SkForest(**params), X_train, y_train, X_test, y_test, criterion)
        rows.append([criterion, f"{ours:.2f}", f"{theirs:.2f}", f"{theirs / ours:.1f}x", f"{our_error:.4g}",
                     f"{their_error:.4g}"])
    header = ["criterion", "franca fit (s)", "scikit-learn fit (s)", "speed-up", "franca held-out error",
              "scikit-learn held-out error"]
    parts.append(_report.show(f"{args.rows:,} x 20, {TREES} trees of depth {DEPTH}"))
    parts.append(_report.show(_report.markdown_table(header, rows)))
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
