#!/usr/bin/python3
"""Every franca estimator against its scikit-learn counterpart, on the same data, in one run.

For each estimator of the loaded libfranca that CASES knows: fit and predict (or transform)
time of franca and of scikit-learn (best of --repeat runs), their ratio, and the score of
each on the training data with the difference (R^2 for regressors, accuracy for classifiers,
the largest absolute difference of the outputs for transformers). Prints a markdown table
(and writes it to --out). An estimator without a case is listed as such.

With --device cuda the numeric data is put on the GPU first (CuPy, else PyTorch) and franca
runs there; documents are lists of str, copied to the GPU by the binding (timed). scikit-learn
always runs on the CPU.

    FRANCA_LIBRARY=build/lib/libfranca.so /usr/bin/python3 bench/bench_estimators.py --out /tmp/e.md
"""
import argparse
import inspect
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
import sklearn.feature_extraction.text
import sklearn.linear_model
import sklearn.preprocessing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bindings" / "python"))
import franca  # noqa: E402


def dense_regression(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols)) * rng.uniform(0.5, 3, cols) + rng.standard_normal(cols)
    return X, X @ rng.standard_normal(cols) + rng.standard_normal(rows)


def dense_classification(rows, cols, seed=0):
    X, score = dense_regression(rows, cols, seed)
    return X, (score > np.median(score)).astype(np.int64)


def documents(min_bytes):
    """Real text: paragraphs of the copyright files under /usr/share/doc (Debian), else the
    standard library's docstrings; repeated up to min_bytes. Labels: 3 classes by content."""
    paragraphs = []
    for path in sorted(Path("/usr/share/doc").glob("*/copyright")):
        try:
            paragraphs += [p for p in path.read_text(encoding="utf-8").split("\n\n") if len(p) > 40]
        except (UnicodeDecodeError, OSError):
            continue
    if not paragraphs:
        import pydoc
        paragraphs = [d for d in (inspect.getdoc(getattr(m, n, None)) for m in map(pydoc.locate, sys.builtin_module_names)
                                  if m for n in dir(m)) if d and len(d) > 40]
    docs, size = [], 0
    while size < min_bytes:
        for p in paragraphs:
            docs.append(p)
            size += len(p)
            if size >= min_bytes:
                break
    labels = np.array(["gpl" if "GPL" in d else "bsd-mit" if ("BSD" in d or "MIT" in d or "Expat" in d) else "other"
                       for d in docs])
    return docs, labels


def tfidf_input(docs):
    return sklearn.feature_extraction.text.HashingVectorizer(n_features=2**18).transform(docs)


def tfidf_classification(args):
    docs, labels = documents(args.text_mb * 1e6 / 4)
    X = sklearn.feature_extraction.text.TfidfTransformer().fit_transform(tfidf_input(docs))
    return X, labels


def sparse_regression(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(rows, cols, density=0.01, format="csr", random_state=seed)
    return X, X @ rng.standard_normal(cols) + rng.standard_normal(rows)


# name -> [(scikit-learn class, parameters for both, data maker(args) -> (X, y or None), method)]
CASES = {
    "StandardScaler": [(sklearn.preprocessing.StandardScaler, {},
                        lambda a: (dense_regression(a.rows, a.cols)[0], None), "transform")],
    "LinearRegression": [(sklearn.linear_model.LinearRegression, {}, lambda a: dense_regression(a.rows, a.cols),
                          "predict"),
                         (sklearn.linear_model.LinearRegression, {}, lambda a: sparse_regression(a.rows, 500),
                          "predict")],
    "Ridge": [(sklearn.linear_model.Ridge, {"alpha": 1.0}, lambda a: dense_regression(a.rows, a.cols), "predict"),
              (sklearn.linear_model.Ridge, {"alpha": 1.0}, lambda a: sparse_regression(a.rows, 500), "predict")],
    "Lasso": [(sklearn.linear_model.Lasso, {"alpha": 0.1}, lambda a: dense_regression(a.rows, a.cols), "predict")],
    "ElasticNet": [(sklearn.linear_model.ElasticNet, {"alpha": 0.1}, lambda a: dense_regression(a.rows, a.cols),
                    "predict")],
    "LogisticRegression": [(sklearn.linear_model.LogisticRegression, {"max_iter": 1000},
                            lambda a: dense_classification(a.rows // 4, a.cols), "predict"),
                           (sklearn.linear_model.LogisticRegression, {"max_iter": 1000}, tfidf_classification,
                            "predict")],
    "HashingVectorizer": [(sklearn.feature_extraction.text.HashingVectorizer, {},
                           lambda a: (documents(a.text_mb * 1e6)[0], None), "transform")],
    "TfidfTransformer": [(sklearn.feature_extraction.text.TfidfTransformer, {},
                          lambda a: (tfidf_input(documents(a.text_mb * 1e6)[0]), None), "transform")],
}


def to_device(x, device):
    """Numeric data on the GPU for --device cuda (documents stay lists of str)."""
    if device != "cuda" or x is None or isinstance(x, list):
        return x
    try:
        import cupy
        import cupyx.scipy.sparse
        return cupyx.scipy.sparse.csr_matrix(x) if sp.issparse(x) else cupy.asarray(x)
    except ImportError:
        import torch
        if sp.issparse(x):
            x = x.tocsr()
            return torch.sparse_csr_tensor(*(torch.from_numpy(a) for a in (x.indptr, x.indices, x.data)),
                                           size=x.shape).cuda()
        return torch.from_numpy(x).cuda()


def synchronize():
    franca._lib.lib.franca_context_synchronize(None)


def best_time(run, repeat):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        synchronize()
        best = min(best, time.perf_counter() - start)
    return best, result


def to_host(x):
    """franca's output (NumPy, scipy, CuPy/cupyx, PyTorch dense or sparse) on the host."""
    if sp.issparse(x) or isinstance(x, np.ndarray):
        return x
    if hasattr(x, "get"):
        return x.get()
    if "sparse" in str(getattr(x, "layout", "")):
        return sp.csr_matrix(x.to_dense().cpu().numpy())
    return x.cpu().numpy()


def run_case(name, cls, case, args):
    reference_cls, params, make, method = case
    X, y = make(args)
    Xd, yd = to_device(X, args.device), to_device(y, args.device)
    ours, theirs = cls(**params), reference_cls(**params)
    fit_f, _ = best_time(lambda: ours.fit(Xd, yd), args.repeat)
    fit_s, _ = best_time(lambda: theirs.fit(X, y), args.repeat)
    apply_f, out = best_time(lambda: getattr(ours, method)(Xd), args.repeat)
    apply_s, ref_out = best_time(lambda: getattr(theirs, method)(X), args.repeat)
    if cls._spec["kind"] == "transformer":
        mine = reference = None
        diff = float(abs(to_host(out) - ref_out).max())
    else:  # scored on the host data (franca copies it to the GPU with --device cuda)
        mine, reference = float(ours.score(X, y)), float(theirs.score(X, y))
        diff = abs(mine - reference)
    size = f"{len(X)} docs, {sum(map(len, X)) / 1e6:.0f} MB" if isinstance(X, list) else \
        f"{X.shape[0]}x{X.shape[1]}" + (f", nnz {X.nnz}" if sp.issparse(X) else "")
    return [name, size, f"{fit_f:.4f}", f"{fit_s:.4f}", f"{fit_s / fit_f:.2f}", method, f"{apply_f:.4f}",
            f"{apply_s:.4f}", f"{apply_s / apply_f:.2f}", "-" if mine is None else f"{mine:.6f}",
            "-" if reference is None else f"{reference:.6f}", f"{diff:.2e}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    parser.add_argument("--out", help="also write the markdown report to this file")
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the dense problems")
    parser.add_argument("--cols", type=int, default=50, help="columns of the dense problems")
    parser.add_argument("--text-mb", type=float, default=10, help="MB of text for the text estimators")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step (the best is kept)")
    parser.add_argument("--only", nargs="*", help="estimator names to run (default: all)")
    args = parser.parse_args()
    franca.set_config(device="cuda" if args.device == "cuda" else "auto")

    header = ["estimator", "data", "franca fit s", "sklearn fit s", "fit speed-up", "method", "franca s",
              "sklearn s", "speed-up", "franca score", "sklearn score", "difference"]
    rows, missing = [], []
    for name, cls in franca.all_estimators():
        if args.only and name not in args.only:
            continue
        if name not in CASES:
            missing.append(name)
            continue
        for case in CASES[name]:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.append(run_case(name, cls, case, args))

    info = franca.build_info()
    devices = ", ".join(d["name"] for d in info["cuda"]["devices"]) or "none"
    lines = [f"Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. Machine: {platform.node()}, "
             f"{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), CUDA devices: {devices}. "
             f"franca {franca.__version__} (device={args.device}), scikit-learn {sklearn.__version__}, "
             f"NumPy {np.__version__}. Best of {args.repeat} runs; speed-up = scikit-learn time / franca time; "
             "scores on the training data (R^2, accuracy); for transformers the difference is the largest "
             "absolute difference of the outputs.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    if missing:
        lines += ["", f"No benchmark case yet (add one to CASES): {', '.join(missing)}."]
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()
