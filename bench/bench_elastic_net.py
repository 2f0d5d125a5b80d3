#!/usr/bin/python3
"""Lasso and ElasticNet, MultiTaskLasso and MultiTaskElasticNet: franca against scikit-learn in the
same run, fit time, ratio, and the objective value each reaches beside its time (scikit-learn's
objective, 1/(2n) ||y - Xw - b||^2 + alpha l1_ratio |w|_1 + alpha (1 - l1_ratio)/2 ||w||^2; the
multi-task ones sum the 2-norms of W's columns instead of |w|_1), with n_iter_.

Cases: dense 200k x 100, independent columns (a few sweeps) and columns sharing latent
factors (about 150 sweeps), both the Gram form in franca; a wide TF-IDF (CSR, HashingVectorizer of
2**16 columns over the licence and copyright texts of the machine; franca: the residual form); the
correlated columns with 5 targets sharing their features (the multi-task estimators).

    FRANCA_LIBRARY=build/lib/libfranca.so /usr/bin/python3 bench/bench_elastic_net.py --out /tmp/enet.md
"""
import inspect
import sys
from pathlib import Path

import numpy as np
import sklearn.linear_model
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))
import franca  # noqa: E402
import _report  # noqa: E402
from bench_estimators import best_time, dense_regression, documents  # noqa: E402


def objective(X, y, coef, intercept, alpha, l1_ratio):
    """scikit-learn's objective; a 2-D coef (t, d): the multi-task one, its L1 term over W's columns."""
    r = y - X @ np.transpose(coef) - intercept
    l1 = np.linalg.norm(coef, axis=0).sum() if np.ndim(coef) == 2 else np.abs(coef).sum()
    return 0.5 * float((r * r).sum()) / len(y) + alpha * l1_ratio * l1 + 0.5 * alpha * (1 - l1_ratio) * float(
        (coef * coef).sum())


def correlated_regression(rows, cols, seed=0):
    """Columns sharing 5 latent factors: coordinate descent needs about 150 sweeps."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols)) + 0.5 * rng.standard_normal((rows, 5)) @ rng.standard_normal((5, cols))
    return X, X @ rng.standard_normal(cols) + rng.standard_normal(rows)


def wide_tfidf(n_docs):
    docs, _ = documents(4e6)
    docs = docs[:n_docs]
    X = TfidfTransformer().fit_transform(HashingVectorizer(n_features=2**16, alternate_sign=False,
                                                           norm=None).transform(docs)).tocsr()
    rng = np.random.default_rng(0)
    used = np.flatnonzero(np.diff(X.tocsc().indptr) >= 5)
    beta = np.zeros(X.shape[1])
    beta[rng.choice(used, 100, replace=False)] = rng.normal(size=100)
    return X, X @ beta + 0.05 * rng.standard_normal(X.shape[0])


def fit_both(name, params, A, b, label, args, rows):
    """franca's and scikit-learn's estimator `name` fitted on (A, b), timed: (ours, theirs, franca
    seconds, scikit-learn seconds), or None after adding a row that says why franca could not fit
    on this device (e.g. CSR on CUDA)."""
    print(f"running {name} {params} on {A.shape} ...", file=sys.stderr, flush=True)
    reference = getattr(sklearn.linear_model, name)
    theirs_params = dict(params)
    if "n_alphas" in params and "n_alphas" not in inspect.signature(reference).parameters:
        theirs_params["alphas"] = theirs_params.pop("n_alphas")  # newer scikit-learn's spelling
    ours, theirs = getattr(franca.linear_model, name)(**params), reference(**theirs_params)
    try:
        t_f, _ = best_time(lambda: ours.fit(A, b), args.repeat)
    except franca.FrancaNotImplementedError as e:
        rows.append([name, f"{A.shape[0]}x{A.shape[1]} {label}", str(params), f"not on {args.device}: {e}"])
        return None
    t_s, _ = best_time(lambda: theirs.fit(A, b), args.repeat)
    return ours, theirs, t_f, t_s


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--docs", type=int, default=5000, help="documents of the wide TF-IDF case")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    franca.set_config(device=args.device)
    X, y = dense_regression(args.rows, args.cols)
    Xc, yc = correlated_regression(args.rows, args.cols)
    Xw, yw = wide_tfidf(args.docs)
    rng = np.random.default_rng(1)
    Yc = Xc @ (rng.standard_normal((args.cols, 5)) * (rng.random((args.cols, 1)) < 0.3)) + rng.standard_normal(
        (args.rows, 5))
    cases = [("Lasso", {"alpha": 0.1}, X, y, "dense"), ("ElasticNet", {"alpha": 0.1, "l1_ratio": 0.5}, X, y, "dense"),
             ("Lasso", {"alpha": 0.1}, Xc, yc, "dense, correlated"),
             ("ElasticNet", {"alpha": 0.1, "l1_ratio": 0.5}, Xc, yc, "dense, correlated"),
             ("Lasso", {"alpha": 1e-4}, Xw, yw, "CSR TF-IDF"),
             ("ElasticNet", {"alpha": 2e-4, "l1_ratio": 0.5}, Xw, yw, "CSR TF-IDF"),
             ("MultiTaskLasso", {"alpha": 0.1}, Xc, Yc, "dense, correlated, 5 targets"),
             ("MultiTaskElasticNet", {"alpha": 0.1, "l1_ratio": 0.5}, Xc, Yc, "dense, correlated, 5 targets")]
    header = ["estimator", "data", "params", "franca fit s", "sklearn fit s", "speed-up", "franca objective",
              "sklearn objective", "franca n_iter_", "sklearn n_iter_", "nonzero coef (franca/sklearn)"]
    rows = []
    for name, params, A, b, label in cases:
        fitted = fit_both(name, params, A, b, label, args, rows)
        if fitted is None:
            continue
        ours, theirs, t_f, t_s = fitted
        l1_ratio = params.get("l1_ratio", 1.0)
        f_f = objective(A, b, ours.coef_, ours.intercept_, params["alpha"], l1_ratio)
        f_s = objective(A, b, theirs.coef_, theirs.intercept_, params["alpha"], l1_ratio)
        data = f"{A.shape[0]}x{A.shape[1]} {label}" + (f", nnz {A.nnz}" if hasattr(A, "nnz") else "")
        rows.append([name, data, str(params), f"{t_f:.4f}", f"{t_s:.4f}", f"{t_s / t_f:.1f}", f"{f_f:.10g}",
                     f"{f_s:.10g}", str(ours.n_iter_), str(theirs.n_iter_),
                     f"{np.count_nonzero(ours.coef_)}/{np.count_nonzero(theirs.coef_)}"])
    _report.publish([f"{_report.machine_line(args.device)}, best of {args.repeat}.",
                     _report.markdown_table(header, rows)], args.out)


if __name__ == "__main__":
    main()
