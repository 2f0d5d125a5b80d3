#!/usr/bin/python3
"""LassoCV and ElasticNetCV: franca against scikit-learn in the same run, fit time, ratio, and
alpha_, the best mean test MSE and the nonzero coefficients each finds (scikit-learn's defaults:
n_alphas=100, eps=1e-3, 5 contiguous folds, tol 1e-4, max_iter 1000, unless the case says).

Cases: dense 50k x 100 with columns sharing latent factors (franca: the Gram form of each fold,
500 fits on the host over 100 x 100 matrices), the same with l1_ratio=[0.5, 0.9], and a wide
TF-IDF (CSR, 2**16 hashed columns; franca: the residual form) with n_alphas=20.

    FRANCA_LIBRARY=build/lib/libfranca.so /usr/bin/python3 bench/bench_elastic_net_cv.py --out /tmp/cv.md
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))
import franca  # noqa: E402
import _report  # noqa: E402
from bench_elastic_net import correlated_regression, fit_both, wide_tfidf  # noqa: E402


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--docs", type=int, default=2000, help="documents of the wide TF-IDF case")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    franca.set_config(device=args.device)
    Xc, yc = correlated_regression(args.rows, args.cols)
    Xw, yw = wide_tfidf(args.docs)
    cases = [("LassoCV", {}, Xc, yc, "dense, correlated"),
             ("ElasticNetCV", {"l1_ratio": [0.5, 0.9]}, Xc, yc, "dense, correlated"),
             ("LassoCV", {"n_alphas": 20}, Xw, yw, "CSR TF-IDF")]
    header = ["estimator", "data", "params", "franca fit s", "sklearn fit s", "speed-up", "alpha_ (franca/sklearn)",
              "best mean MSE (franca/sklearn)", "nonzero coef (franca/sklearn)"]
    rows = []
    for name, params, A, b, label in cases:
        fitted = fit_both(name, params, A, b, label, args, rows)
        if fitted is None:
            continue
        ours, theirs, t_f, t_s = fitted
        best = [np.mean(np.asarray(m.mse_path_), axis=-1).min() for m in (ours, theirs)]
        data = f"{A.shape[0]}x{A.shape[1]} {label}" + (f", nnz {A.nnz}" if hasattr(A, "nnz") else "")
        rows.append([name, data, str(params or "defaults"), f"{t_f:.3f}", f"{t_s:.3f}", f"{t_s / t_f:.1f}",
                     f"{float(ours.alpha_):.6g}/{float(theirs.alpha_):.6g}", f"{best[0]:.8g}/{best[1]:.8g}",
                     f"{np.count_nonzero(ours.coef_)}/{np.count_nonzero(theirs.coef_)}"])
    _report.publish([f"{_report.machine_line(args.device)}, best of {args.repeat}.",
                     _report.markdown_table(header, rows)], args.out)


if __name__ == "__main__":
    main()
