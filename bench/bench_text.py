#!/usr/bin/python3
"""Text features: franca's HashingVectorizer + TfidfTransformer (CPU, and CUDA with
--device cuda) against scikit-learn's on the same corpus, in documents/s and MB/s of text.

The corpus is real text cut into paragraphs: the HTML of the Linux kernel documentation
(`apt-get install -y linux-doc-6.1`) when installed, else the text and gzipped text under
/usr/share/doc, /usr/share/common-licenses and Vim's multilingual tutors, repeated until it
reaches --mb megabytes. franca's CPU result is checked against scikit-learn's before its time
is reported; the CUDA result stays on the device (tests/feature_extraction/test_text.cpp
compares it with the CPU's).

    FRANCA_LIBRARY=build/lib/libfranca.so /usr/bin/python3 bench/bench_text.py --mb 100 [--device cuda] [--out FILE]
"""
import argparse
import datetime
import glob
import gzip
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from _text_capi import Estimator, Strings, apply, fit  # noqa: E402


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return b""
    return data


def source_files():
    linux_doc = sorted(glob.glob("/usr/share/doc/linux-doc-6.1/**/*.html", recursive=True))
    if linux_doc:
        return "linux-doc-6.1 HTML", linux_doc
    files = sorted(glob.glob("/usr/share/doc/**/*", recursive=True)) + sorted(glob.glob("/usr/share/common-licenses/*"))
    files += sorted(glob.glob("/usr/share/vim/vim9*/tutor/tutor.*.utf-8"))
    return "/usr/share/doc, common-licenses, Vim tutors", [f for f in files if os.path.isfile(f)]


def build_corpus(megabytes):
    label, files = source_files()
    paragraphs = []
    for path in files:
        data = _read(path)
        if b"\0" in data[:4096]:
            continue  # binary
        text = data.decode("utf-8", "replace")
        paragraphs += [p for p in text.split("\n\n") if p.strip()]
    target, docs, size = megabytes * 1e6, [], 0
    while size < target and paragraphs:
        for p in paragraphs:
            docs.append(p)
            size += len(p.encode("utf-8"))
            if size >= target:
                break
    return label, docs


def best_time(fn, repeat):
    """(wall seconds, CPU seconds of all threads, result) of the fastest of `repeat` runs: on a
    shared machine the CPU time says what the code costs, the wall time what others left."""
    best, result = (float("inf"), 0.0), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best, result


def run_sklearn(docs):
    X = HashingVectorizer().transform(docs)
    return TfidfTransformer().fit_transform(X)


def run_franca(column, synchronize):
    hashing, tfidf = Estimator("HashingVectorizer"), Estimator("TfidfTransformer")
    fit(hashing, column)
    counts = apply(hashing, column)
    out = apply(fit(tfidf, counts), counts)
    synchronize()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100, help="corpus size in megabytes of UTF-8 text (default 100)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="also run franca on CUDA (cupy)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each method; the best is kept")
    parser.add_argument("--out", help="also write the table as markdown to this file")
    args = parser.parse_args()

    label, docs = build_corpus(args.mb)
    column = Strings(docs)
    mb = column.nbytes / 1e6
    print(f"corpus: {len(docs)} documents, {mb:.1f} MB ({label})", flush=True)

    rows = []
    t_sk, ref = best_time(lambda: run_sklearn(docs), args.repeat)
    rows.append(("scikit-learn HashingVectorizer + TfidfTransformer", t_sk))
    ref.sort_indices()

    def checked(name, t, out):
        X = out.to_scipy()
        same = (np.array_equal(X.indptr, ref.indptr) and np.array_equal(X.indices, ref.indices)
                and np.allclose(X.data, ref.data, rtol=1e-6, atol=0))
        if not same:
            raise SystemExit(f"{name}: result differs from scikit-learn's")
        rows.append((name, t))

    t, out = best_time(lambda: run_franca(column, lambda: None), args.repeat)
    checked(f"franca CPU ({os.cpu_count()} threads)", t, out)
    if args.device == "cuda":
        import cupy

        gpu_column = Strings(docs, to_device=cupy.asarray)
        run_franca(gpu_column, cupy.cuda.runtime.deviceSynchronize)  # warm-up: context, allocator
        t, out = best_time(lambda: run_franca(gpu_column, cupy.cuda.runtime.deviceSynchronize), args.repeat)
        rows.append((f"franca CUDA ({cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()})", t))

    lines = ["| method | seconds | documents/s | MB/s | vs scikit-learn | CPU seconds | MB per CPU-second |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, (t, cpu) in rows:
        lines.append(f"| {name} | {t:.2f} | {len(docs) / t:,.0f} | {mb / t:,.1f} | {t_sk[0] / t:.1f}x | {cpu:.2f} "
                     f"| {mb / cpu:,.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with open(args.out, "w") as f:
            f.write(f"{stamp}, {platform.node()}, {os.cpu_count()} cores; corpus: {len(docs)} documents, "
                    f"{mb:.1f} MB ({label}); best of {args.repeat}.\n\n{table}\n")


if __name__ == "__main__":
    main()
