#!/usr/bin/python3
"""franca.dask (issue 15): fit time on a LocalCluster of 1 and 2 worker processes (1 thread each)
against single-machine franca on the same rows, and against dask-ml's estimators and xgboost.dask's
random forest of the same job (where they are installed) on the same cluster, each model's score
beside its time.

The data: --rows x --features dense float64, made on the client and scattered as --partitions
row chunks (the same partitioning for every cluster size), held in the workers' memory before the
clock starts. Scores: accuracy for LogisticRegression, R^2 for LinearRegression, D^2 for
PoissonRegressor; the max |mean_ - single-machine mean_| for StandardScaler; for the random forests
(20 trees of depth at most 10), accuracy on --holdout rows of the same distribution that no fit
sees. "rounds" is the number of rounds over the cluster (one task per partition each): a GLM's
loss-and-gradient evaluations, a forest's block questions.

    FRANCA_LIBRARY=build/lib/libfranca.so python3 bench/bench_dask.py [--rows 200000] [--device cuda] [--out FILE]
"""
import importlib
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import _report  # noqa: E402


FOREST = {"n_estimators": 20, "max_depth": 10}


def problem(rows, features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    v = rng.normal(size=features) / np.sqrt(features)
    z = X @ v
    return {"X": X, "labels": (z + rng.logistic(size=rows) > 0).astype(np.int64),
            "targets": z * 3 + 1 + rng.normal(size=rows), "counts": rng.poisson(np.exp(0.5 * z)).astype(np.float64)}


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


def cases(franca_modules, dask_ml, xgboost):
    """(estimator, target key, score name, {implementation: make() -> an unfitted model})."""
    linear, preprocessing, ensemble, fd = franca_modules
    out = [("LogisticRegression", "labels", "accuracy",
            {"franca": lambda: linear.LogisticRegression(), "franca.dask": lambda: fd.LogisticRegression()}),
           ("LinearRegression", "targets", "R^2",
            {"franca": lambda: linear.LinearRegression(), "franca.dask": lambda: fd.LinearRegression()}),
           ("PoissonRegressor", "counts", "D^2",
            {"franca": lambda: linear.PoissonRegressor(), "franca.dask": lambda: fd.PoissonRegressor()}),
           ("StandardScaler", None, "max |mean_ - franca's|",
            {"franca": lambda: preprocessing.StandardScaler(), "franca.dask": lambda: fd.StandardScaler()}),
           ("RandomForestClassifier", "labels", "held-out accuracy",
            {"franca": lambda: ensemble.RandomForestClassifier(random_state=0, **FOREST),
             "franca.dask": lambda: fd.RandomForestClassifier(random_state=0, **FOREST)})]
    if xgboost is not None:
        out[4][3]["xgboost.dask (XGBRF, hist)"] = lambda: xgboost.dask.DaskXGBRFClassifier(tree_method="hist",
                                                                                         random_state=0, **FOREST)
    if dask_ml is not None:
        out[0][3]["dask-ml (lbfgs)"] = lambda: dask_ml.linear_model.LogisticRegression(solver="lbfgs", C=1.0)
        out[1][3]["dask-ml (lbfgs)"] = lambda: dask_ml.linear_model.LinearRegression(solver="lbfgs", C=1e10)
        out[3][3]["dask-ml"] = lambda: dask_ml.preprocessing.StandardScaler()
    return out


def score(name, model, X, y, reference, holdout):
    if name == "RandomForestClassifier":
        X_test, y_test = holdout
        if type(model).__module__.startswith("xgboost"):  # xgboost.dask predicts on dask collections only
            import dask.array as da
            predicted = model.predict(da.from_array(X_test, chunks=(len(X_test) // 4 + 1, -1))).compute()
        else:
            predicted = model.predict(X_test)
        return f"{np.mean(np.asarray(predicted) == y_test):.6f}"
    if name == "StandardScaler":
        return f"{np.abs(np.asarray(model.mean_) - reference.mean_).max():.1e}"
    if name == "PoissonRegressor":
        from sklearn.metrics import d2_tweedie_score
        return f"{d2_tweedie_score(y, np.asarray(model.predict(X)), power=1):.6f}"
    predicted = np.asarray(model.predict(X))
    if name == "LogisticRegression":
        return f"{np.mean(predicted == y):.6f}"
    return f"{1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2):.6f}"


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=200_000, help="rows (default 200,000)")
    parser.add_argument("--features", type=int, default=20, help="columns (default 20)")
    parser.add_argument("--partitions", type=int, default=4, help="row chunks (default 4)")
    parser.add_argument("--holdout", type=int, default=50_000, help="held-out rows for the forests (default 50,000)")
    args = parser.parse_args()
    # The workers' franca, and this process's: the device, and the package (as sys.path has it).
    os.environ["FRANCA_DEVICE"] = args.device
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bindings" / "python"),
                                                             os.environ.get("PYTHONPATH")]))
    try:
        import dask.array as da
        import distributed
    except ImportError as e:  # a machine without them (tests/gpu/run.sh runs every bench script)
        _report.publish([f"## franca.dask\n\n{_report.machine_line(args.device)}\n\nNot measured: {e}"], args.out)
        return

    from franca import ensemble, linear_model, preprocessing
    import franca.dask as fd
    try:
        import dask_ml.linear_model
        import dask_ml.preprocessing
        dask_ml = sys.modules["dask_ml"]
    except ImportError:
        dask_ml = None
    try:
        import xgboost.dask
        xgboost = sys.modules["xgboost"]
    except ImportError:
        xgboost = None
    modules = (linear_model, preprocessing, ensemble, fd)

    both = problem(args.rows + args.holdout, args.features)
    data = {key: value[:args.rows] for key, value in both.items()}
    holdout = (both["X"][args.rows:], both["labels"][args.rows:])
    X = data["X"]
    chunk = -(-args.rows // args.partitions)
    rows = []
    singles = {}
    for name, target, score_name, implementations in cases(modules, dask_ml, xgboost):
        y = data[target] if target else None
        seconds, model = timed(lambda: implementations["franca"]().fit(X, y))
        singles[name] = model
        rows.append([name, "franca (one machine)", "-", f"{seconds:.3f}", score(name, model, X, y, model, holdout), ""])
    for workers in (1, 2):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            # franca, scikit-learn and dask-ml imported on the workers before the clock starts.
            for module in ["franca.dask"] + (["dask_ml.linear_model"] if dask_ml else []) + \
                    (["xgboost.dask"] if xgboost else []):
                client.run(importlib.import_module, module)
            dX = client.persist(da.from_array(X, chunks=(chunk, -1)))
            targets = {key: client.persist(da.from_array(data[key], chunks=chunk)) for key in data if key != "X"}
            distributed.wait([dX, *targets.values()])
            for name, target, score_name, implementations in cases(modules, dask_ml, xgboost):
                y, dy = (data[target], targets[target]) if target else (None, None)
                for implementation, make in implementations.items():
                    if implementation == "franca":
                        continue
                    seconds, model = timed(lambda: make().fit(dX, dy))
                    rounds = getattr(model, "n_function_evaluations_", getattr(model, "n_block_questions_", ""))
                    rows.append([name, implementation, workers, f"{seconds:.3f}",
                                 score(name, model, X, y, singles[name], holdout), rounds])
    header = ["estimator", "implementation", "workers", "fit seconds", "score", "rounds"]
    scores = ", ".join(f"{name}: {score_name}" for name, _, score_name, _ in cases(modules, dask_ml, xgboost))
    parts = [_report.show(f"## franca.dask\n\n{_report.machine_line(args.device)}"),
             _report.show(f"{args.rows:,} x {args.features} float64 in {args.partitions} row chunks; LocalCluster "
                          f"of 1 thread per worker process on 127.0.0.1; dask-ml "
                          f"{'present' if dask_ml else 'not installed'}, xgboost "
                          f"{xgboost.__version__ if xgboost else 'not installed'}. Scores ({scores}) on the "
                          f"training rows unless said.\n\n"
                          + _report.markdown_table(header, rows))]
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
