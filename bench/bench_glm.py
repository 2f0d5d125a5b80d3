#!/usr/bin/python3
"""Fit time of franca's PoissonRegressor (CPU, or CUDA with --device cuda) against
scikit-learn's (solver 'lbfgs') and glum's GeneralizedLinearRegressor (PyPI; its default solver,
where installed) on the same data, in the same run: a dense synthetic Poisson
problem and a CSR one. Both minimise scikit-learn's objective, 0.5 * weighted mean Poisson
deviance + alpha / 2 ||coef||^2, which is printed beside each time (computed here, the same
way for both), with the iterations, the wall and CPU seconds and the ratio to franca.

    FRANCA_LIBRARY=build/lib/libfranca.so /usr/bin/python3 bench/bench_glm.py --rows 200000 --out /tmp/g.md
"""
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import mean_poisson_deviance

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
import _capi  # noqa: E402
import _report  # noqa: E402


def dense_problem(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols))
    v = rng.standard_normal(cols) / np.sqrt(cols) * 0.5
    return X, rng.poisson(np.exp(X @ v + 0.5)).astype(np.float64)


def csr_problem(rows, cols, per_row, seed=1):
    """per_row stored values a row on average, 1-valued (one-hot like), Poisson counts."""
    rng = np.random.default_rng(seed)
    X = sp.random(rows, cols, density=per_row / cols, format="csr", random_state=seed, data_rvs=lambda k: np.ones(k))
    X.sort_indices()
    v = rng.standard_normal(cols) * 0.3
    return X, rng.poisson(np.exp(X @ v + 0.2)).astype(np.float64)


def objective(X, y, coef, intercept, alpha):
    mu = np.exp(np.asarray(X @ coef).ravel() + intercept)
    return 0.5 * mean_poisson_deviance(y, mu) + alpha / 2 * coef @ coef


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run_franca(X, y, device, params):
    est = _capi.Estimator("PoissonRegressor", **params)
    if device == "cuda":
        import cupy
        import cupyx.scipy.sparse

        Xd = cupyx.scipy.sparse.csr_matrix(X) if sp.issparse(X) else cupy.asarray(X)
        yd = cupy.asarray(y)
        est.fit(Xd, yd)  # warm-up: CUDA context and handles
        cupy.cuda.runtime.deviceSynchronize()

        def fit():
            est.fit(Xd, yd)
            cupy.cuda.runtime.deviceSynchronize()
    else:
        def fit():
            est.fit(X, y)
    wall, cpu, _ = timed(fit)
    return wall, cpu, int(est.attribute("n_iter_")), est.attribute("coef_"), float(est.attribute("intercept_"))


def run_sklearn(X, y, params):
    wall, cpu, est = timed(lambda: PoissonRegressor(**params).fit(X, y))
    return wall, cpu, int(est.n_iter_), est.coef_, est.intercept_


def run_glum(X, y, params):
    """glum's Poisson GLM with scikit-learn's objective (its 1/2 mean deviance plus alpha/2 ||coef||^2,
    no L1), gradient_tol as tol; None where glum is not installed."""
    try:
        from glum import GeneralizedLinearRegressor
    except ImportError:
        return None
    model = GeneralizedLinearRegressor(family="poisson", alpha=params["alpha"], l1_ratio=0.0,
                                       max_iter=params["max_iter"], gradient_tol=params["tol"])
    wall, cpu, est = timed(lambda: model.fit(X, y))
    return wall, cpu, int(est.n_iter_), est.coef_, float(est.intercept_)


def bench(name, X, y, args):
    params = {"alpha": args.alpha, "tol": args.tol, "max_iter": args.max_iter}
    rows = [(f"franca {args.device} lbfgs", *run_franca(X, y, args.device, params)),
            ("scikit-learn lbfgs", *run_sklearn(X, y, params))]
    glum = run_glum(X, y, params)
    if glum is not None:
        rows.append(("glum (solver 'auto')", *glum))
    kind = f"CSR, {X.nnz:,} stored values" if sp.issparse(X) else "dense"
    title = (f"**{name}**: {X.shape[0]:,} x {X.shape[1]:,} {kind}, float64; alpha={args.alpha}, tol={args.tol}, "
             f"max_iter={args.max_iter}")
    header = ["solver", "fit (s)", "CPU (s)", "iterations", "ms / iteration", "objective", "time vs franca"]
    franca_seconds = rows[0][1]
    table = [[label, f"{wall:.2f}", f"{cpu:.2f}", n_iter, f"{wall / max(n_iter, 1) * 1e3:.1f}",
              f"{objective(X, y, coef, intercept, args.alpha):.10f}", f"{wall / franca_seconds:.2f}x"]
             for label, wall, cpu, n_iter, coef, intercept in rows]
    return _report.show(f"{title}\n\n{_report.markdown_table(header, table)}")


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dense-cols", type=int, default=50)
    parser.add_argument("--csr-cols", type=int, default=5_000)
    parser.add_argument("--csr-per-row", type=int, default=20)
    parser.add_argument("--alpha", type=float, default=1e-4)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=1000)
    args = parser.parse_args()
    parts = [_report.show(_report.machine_line(args.device)),
             bench("Dense Poisson, synthetic", *dense_problem(args.rows, args.dense_cols), args),
             bench("CSR Poisson, synthetic (one-hot like)",
                   *csr_problem(args.rows, args.csr_cols, args.csr_per_row), args)]
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
