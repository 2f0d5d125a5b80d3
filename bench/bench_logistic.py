#!/usr/bin/python3
"""Fit time of franca's LogisticRegression (CPU, or CUDA with --device cuda) against
scikit-learn's lbfgs and saga on the same data: a dense synthetic binary problem and a TF-IDF
matrix of real text (files under /usr/share/doc, hashed to 2**20 features, 3 classes: copyright
notices, changelogs, other documentation).

Reports fit time, iterations, time per iteration, the training log-loss reached, and ratios to
franca. Per-iteration times are compared with one pass over X (its bytes at the bandwidth that a
numpy reduction over X measures on the host; on CUDA, at the bandwidth of a device copy).

    /usr/bin/python3 bench/bench_logistic.py --dense-rows 200000 --docs 50000 --out /tmp/l.md
"""
import gzip
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "python"))
import _capi  # noqa: E402
import _report  # noqa: E402


def dense_problem(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, cols))
    w = rng.standard_normal(cols) / np.sqrt(cols) * 3
    y = (rng.random(rows) < 1 / (1 + np.exp(-(X @ w)))).astype(np.float64)
    return X, y


def read_text(path):
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="strict") as f:
            return f.read()
    except (UnicodeDecodeError, OSError, EOFError):
        return None


def text_documents(n_docs, lines_per_doc=8, root="/usr/share/doc"):
    """Chunks of `lines_per_doc` non-empty lines, labelled by the kind of file they come from."""
    docs, labels = [], []
    for path in sorted(Path(root).rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        text = read_text(path)
        if text is None:
            continue
        name = path.name.lower()
        label = 0 if name.startswith("copyright") else 1 if name.startswith(("changelog", "news")) else 2
        lines = [line for line in text.splitlines() if line.strip()]
        for i in range(0, len(lines), lines_per_doc):
            docs.append("\n".join(lines[i : i + lines_per_doc]))
            labels.append(label)
            if len(docs) == n_docs:
                return docs, np.asarray(labels, dtype=np.float64)
    return docs, np.asarray(labels, dtype=np.float64)


def tfidf_problem(n_docs):
    docs, y = text_documents(n_docs)
    counts = HashingVectorizer(n_features=2**20, alternate_sign=False, norm=None).transform(docs)
    X = TfidfTransformer().fit_transform(counts).tocsr()
    X.sort_indices()
    return X, y


def log_loss(proba, y, classes):
    idx = np.searchsorted(classes, y)
    return -np.mean(np.log(np.clip(proba[np.arange(len(y)), idx], 1e-300, None)))


def nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def host_pass_seconds(X):
    """The time of one numpy reduction over X's bytes: a floor for one pass on the host."""
    arrays = [X.data, X.indices] if sp.issparse(X) else [X]
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for a in arrays:
            a.sum()
        best = min(best, time.perf_counter() - start)
    return best


def to_device(X, y):
    import cupy
    import cupyx.scipy.sparse

    Xd = cupyx.scipy.sparse.csr_matrix(X) if sp.issparse(X) else cupy.asarray(X)
    return Xd, cupy.asarray(y)


def device_pass_seconds(X):
    import cupy

    arrays = [X.data, X.indices] if hasattr(X, "indptr") else [X]
    cupy.cuda.runtime.deviceSynchronize()
    start = cupy.cuda.Event()
    stop = cupy.cuda.Event()
    start.record()
    for a in arrays:
        a.copy()
    stop.record()
    stop.synchronize()
    # A copy reads and writes each byte: one read pass is half its time.
    return cupy.cuda.get_elapsed_time(start, stop) / 1000 / 2


def run_franca(X, y, device, params):
    est = _capi.Estimator("LogisticRegression", **params)
    if device == "cuda":
        import cupy

        Xd, yd = to_device(X, y)
        est.fit(Xd, yd)  # warm-up: CUDA context, cuBLAS/cuSPARSE handles
        cupy.cuda.runtime.deviceSynchronize()
        start = time.perf_counter()
        est.fit(Xd, yd)
        cupy.cuda.runtime.deviceSynchronize()
        seconds = time.perf_counter() - start
    else:
        start = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - start
    # The model is device-neutral: the log-loss is computed on the host.
    proba = est.apply("predict_proba", X)
    return seconds, int(est.attribute("n_iter_")[0]), log_loss(proba, y, est.attribute("classes_"))


def run_sklearn(X, y, solver, params):
    est = LogisticRegression(solver=solver, **params)
    start = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, int(est.n_iter_.max()), log_loss(est.predict_proba(X), y, est.classes_)


def bench(name, X, y, args):
    params = {"C": args.C, "tol": args.tol, "max_iter": args.max_iter}
    rows = []
    seconds, n_iter, loss = run_franca(X, y, args.device, params)
    rows.append((f"franca {args.device} lbfgs", seconds, n_iter, loss))
    rows.append(("sklearn lbfgs", *run_sklearn(X, y, "lbfgs", params)))
    if not args.skip_saga:
        rows.append(("sklearn saga", *run_sklearn(X, y, "saga", {**params, "max_iter": args.saga_max_iter})))
    floor = device_pass_seconds(to_device(X, y)[0]) if args.device == "cuda" else host_pass_seconds(X)
    franca_seconds = rows[0][1]
    title = (
        f"**{name}**: {X.shape[0]:,} x {X.shape[1]:,}, {'CSR, ' + format(X.nnz, ',') + ' stored values' if sp.issparse(X) else 'dense'}"
        f" float64, {len(np.unique(y))} classes, {nbytes(X) / 2**20:.0f} MiB; C={args.C}, tol={args.tol}, "
        f"max_iter={args.max_iter} (saga: {args.saga_max_iter}); one pass over X at the measured bandwidth: "
        f"{floor * 1e3:.1f} ms")
    header = ["solver", "fit (s)", "iterations", "ms / iteration", "iteration / one pass", "training log-loss",
              "time vs franca"]
    table = [[label, f"{seconds:.2f}", n_iter, f"{seconds / max(n_iter, 1) * 1e3:.1f}",
              f"{seconds / max(n_iter, 1) / floor:.1f}x", f"{loss:.6f}", f"{seconds / franca_seconds:.2f}x"]
             for label, seconds, n_iter, loss in rows]
    return _report.show(f"{title}\n\n{_report.markdown_table(header, table)}")


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--dense-rows", type=int, default=1_000_000)
    parser.add_argument("--dense-cols", type=int, default=100)
    parser.add_argument("--docs", type=int, default=200_000, help="TF-IDF documents (0 skips the text problem)")
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--saga-max-iter", type=int, default=100)
    parser.add_argument("--skip-saga", action="store_true")
    args = parser.parse_args()

    parts = [_report.show(_report.machine_line(args.device))]
    if args.dense_rows > 0:
        parts.append(bench("Dense, synthetic", *dense_problem(args.dense_rows, args.dense_cols), args))
    if args.docs > 0:
        parts.append(bench("TF-IDF of /usr/share/doc", *tfidf_problem(args.docs), args))
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
