#!/usr/bin/python3
"""Fit and predict time of franca's RandomForestClassifier (CPU, or CUDA with --device cuda)
against scikit-learn's (n_jobs=-1), XGBoost's random forest (XGBRFClassifier, tree_method
'hist') and LightGBM's boosting='rf', in the same run, with the test accuracy beside each time:
make_classification (--rows x 50) and Fashion-MNIST (60,000 x 784, Debian's
dataset-fashion-mnist). 100 trees each; franca and scikit-learn grow full-depth trees over
sqrt(n_features) features a split, and XGBoost and LightGBM are set up as close to that as they
allow (bootstrap-like row sampling of 63.2%, sqrt features per node, deep trees: XGBoost without
a depth or leaf limit, LightGBM with up to 1,023 leaves, beyond which its leaf-wise growth in rf
mode takes longer than all the others together: at 4,095 leaves it had not finished 200,000 rows
in 15 minutes). Libraries that are not installed are reported as such.

    FRANCA_LIBRARY=build/lib/libfranca.so python3 bench/bench_forest.py --rows 200000 --out /tmp/f.md
    ... --skip-fashion --skip xgboost       # 1M rows: XGBoost's random forest takes hours on 2 cores
"""
import math
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier as SkForest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))
import _datasets  # noqa: E402
import _report  # noqa: E402

TREES = 100


def synthetic(rows, seed=0):
    X, y = make_classification(n_samples=rows + 20000, n_features=50, n_informative=20, n_redundant=10,
                               random_state=seed)
    X = X.astype(np.float32)
    return X[:rows], y[:rows], X[rows:], y[rows:]


def fashion():
    X, y, X_test, y_test = _datasets.fashion_mnist()
    return X.astype(np.float32), y, X_test.astype(np.float32), y_test


def models(device, n_features):
    """(name, make) pairs; make() returns an unfitted classifier, or raises ImportError."""
    sqrt_fraction = max(1, int(math.sqrt(n_features))) / n_features

    def franca():
        import franca
        from franca.ensemble import RandomForestClassifier
        franca.set_config(device=device)
        return RandomForestClassifier(n_estimators=TREES, random_state=0)

    def xgboost():
        from xgboost import XGBRFClassifier
        return XGBRFClassifier(n_estimators=TREES, tree_method="hist", max_depth=0, grow_policy="lossguide",
                               max_leaves=0, subsample=0.632, colsample_bynode=sqrt_fraction, random_state=0,
                               n_jobs=-1, device="cuda" if device == "cuda" else "cpu")

    def lightgbm():
        from lightgbm import LGBMClassifier
        return LGBMClassifier(boosting_type="rf", n_estimators=TREES, num_leaves=1023, min_child_samples=1,
                              min_child_weight=0, bagging_fraction=0.632, bagging_freq=1,
                              feature_fraction_bynode=sqrt_fraction, random_state=0, n_jobs=-1, verbose=-1)

    return [(f"franca ({device})", franca),
            ("scikit-learn (n_jobs=-1)", lambda: SkForest(n_estimators=TREES, random_state=0, n_jobs=-1)),
            ("XGBoost XGBRFClassifier (hist)", xgboost), ("LightGBM boosting='rf'", lightgbm)]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def section(title, data, device, skip):
    X, y, X_test, y_test = data
    rows, franca_fit, franca_predict = [], None, None
    for name, make in models(device, X.shape[1]):
        if any(word.lower() in name.lower() for word in skip):
            rows.append([name, "left out of this run (--skip)"])
            continue
        try:
            model = make()
        except ImportError as e:
            rows.append([name, f"not installed ({e.name})"])
            continue
        fit_s, _ = timed(lambda: model.fit(X, y))
        predict_s, predicted = timed(lambda: model.predict(X_test))
        accuracy = float(np.mean(np.asarray(predicted).ravel() == y_test))
        if franca_fit is None:
            franca_fit, franca_predict = fit_s, predict_s
        rows.append([name, f"{fit_s:.2f}", f"{fit_s / franca_fit:.2f}", f"{predict_s:.3f}",
                     f"{len(X_test) / predict_s:.3g}", f"{predict_s / franca_predict:.2f}", f"{accuracy:.4f}"])
        print(" | ".join(rows[-1]), flush=True)  # progress: a section's table comes when it is complete
    header = ["model", "fit s", "fit / franca", "predict s", "predict rows/s", "predict / franca", "test accuracy"]
    return _report.show(f"### {title}: {X.shape[0]:,} x {X.shape[1]} train, {len(X_test):,} test, {TREES} trees\n\n"
                        + _report.markdown_table(header, rows))


def histogram_rate(device):
    """Histogram updates (row x feature) per second on one thread: the time of 20 more one-split
    trees over the same binned matrix (1M x 50, no bootstrap, 25 features examined at the root, so
    each tree adds 1M x 25 rows to histograms), the binning being shared. The trees' other per-row
    work (weights, totals, the partition of the rows) is counted in the time: a lower bound."""
    import franca
    from franca.ensemble import RandomForestClassifier
    franca.set_config(device=device)
    X, y, _, _ = synthetic(1_000_000)
    rows = []
    for criterion in ("gini", "entropy"):
        times = {}
        for trees in (1, 21):
            model = RandomForestClassifier(n_estimators=trees, max_depth=1, max_features=25, bootstrap=False,
                                           criterion=criterion, n_jobs=1, random_state=0)
            times[trees] = min(timed(lambda: model.fit(X, y))[0] for _ in range(3))
        updates = 20 * X.shape[0] * 25
        rate = updates / (times[21] - times[1])
        rows.append([criterion, f"{times[1]:.2f}", f"{times[21]:.2f}", f"{updates:.3g}", f"{rate:.3g}"])
        print(" | ".join(rows[-1]), flush=True)
    header = ["criterion", "fit of 1 tree s", "fit of 21 trees s", "updates of 20 trees", "updates / s, one thread"]
    return _report.show("### Histogram updates, one thread: 1,000,000 x 50, one split a tree\n\n"
                        + _report.markdown_table(header, rows))


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="make_classification rows (default 1M)")
    parser.add_argument("--skip-fashion", action="store_true", help="leave Fashion-MNIST out")
    parser.add_argument("--skip", action="append", default=[], metavar="LIBRARY",
                        help="leave out the models whose name contains this (e.g. xgboost), repeatable")
    parser.add_argument("--histogram-rate", action="store_true",
                        help="only measure histogram updates per second on one thread")
    args = parser.parse_args()
    parts = [_report.show(f"## Random forests\n\n{_report.machine_line(args.device)}")]
    if args.histogram_rate:
        _report.write(parts + [histogram_rate(args.device)], args.out)
        return
    parts.append(section("make_classification", synthetic(args.rows), args.device, args.skip))
    if not args.skip_fashion:
        try:
            parts.append(section("Fashion-MNIST", fashion(), args.device, args.skip))
        except _datasets.DatasetMissing as e:
            parts.append(_report.show(f"### Fashion-MNIST\n\nnot run: {e}"))
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
