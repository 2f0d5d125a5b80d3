#!/usr/bin/python3
"""Short documents through the Python binding (issue 14): HashingVectorizer + TfidfTransformer on a
plain Python list of str of about 150 bytes each, franca's (franca.feature_extraction.text)
against scikit-learn's, in the same run, with the share of franca's time spent handing the list
to the library (franca._convert._strings: since 0.4 libfranca copies the str's UTF-8 bytes itself,
franca_matrix_strings_gather; before, Python encoded them, franca._convert._utf8_column). Where
pyarrow is installed, also the same documents as a pyarrow string array, which franca reads in place
(Arrow's offsets and bytes are its strings matrix: no hand-off).

The documents are bench_text.py's corpus (real text paragraphs) cut into ~150-byte pieces at
spaces, until --mb megabytes. franca's result is checked against scikit-learn's first.

    FRANCA_LIBRARY=build/lib/libfranca.so python3 bench/bench_text_short.py --mb 20 [--device cuda] [--out FILE]
"""
import sys
import time
from pathlib import Path

import sklearn.feature_extraction.text as sk

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import _report  # noqa: E402
import bench_text  # noqa: E402

import franca  # noqa: E402
from franca import _convert  # noqa: E402
from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer  # noqa: E402

PIECE = 150


def short_documents(megabytes):
    label, paragraphs = bench_text.build_corpus(megabytes)
    docs = []
    for p in paragraphs:
        words, piece = p.split(" "), []
        for w in words:
            piece.append(w)
            if sum(len(x) + 1 for x in piece) >= PIECE:
                docs.append(" ".join(piece))
                piece = []
        if piece:
            docs.append(" ".join(piece))
    return label, docs


def pipeline(hashing, tfidf, docs):
    counts = hashing.transform(docs)
    return tfidf.fit_transform(counts)


def best(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = _report.parser(__doc__)
    parser.add_argument("--mb", type=float, default=20, help="megabytes of UTF-8 text (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    args = parser.parse_args()
    franca.set_config(device=args.device)
    label, docs = short_documents(args.mb)
    size = sum(len(d.encode("utf-8")) for d in docs)
    ours = best(lambda: pipeline(HashingVectorizer(), TfidfTransformer(), docs), args.repeat)
    theirs = best(lambda: pipeline(sk.HashingVectorizer(), sk.TfidfTransformer(), docs), args.repeat)
    difference = abs(ours[1] - theirs[1]).max()
    assert difference < 1e-12, f"franca's TF-IDF differs from scikit-learn's by {difference}"
    handoff = best(lambda: _convert._strings(docs, args.device), args.repeat)[0]
    timings = [("franca HashingVectorizer + TfidfTransformer", ours[0]),
               ("scikit-learn HashingVectorizer + TfidfTransformer", theirs[0]),
               ("franca's hand-off of the list (in franca's time)", handoff)]
    arrow_note = ""
    try:
        import pyarrow
    except ImportError:
        arrow_note = " (pyarrow is not installed: no Arrow row)"
    else:
        column = pyarrow.array(docs)
        arrow = best(lambda: pipeline(HashingVectorizer(), TfidfTransformer(), column), args.repeat)
        assert abs(arrow[1] - theirs[1]).max() < 1e-12, "franca's TF-IDF of the Arrow column differs"
        timings.append(("franca on the documents as a pyarrow string array", arrow[0]))
        arrow_note = f"; from an Arrow column, {theirs[0] / arrow[0]:.1f}x scikit-learn"
    rows = [[name, f"{seconds:.3f}", f"{len(docs) / seconds:.3g}", f"{seconds / ours[0]:.2f}"]
            for name, seconds in timings]
    parts = [_report.show(f"## Short documents\n\n{_report.machine_line(args.device)}"),
             _report.show(f"{len(docs):,} documents of {size / len(docs):.0f} bytes on average ({size / 1e6:.1f} MB, "
                          f"{label})\n\n" + _report.markdown_table(["", "seconds", "documents/s", "vs franca"], rows)
                          + f"\n\nfranca {theirs[0] / ours[0]:.1f}x scikit-learn; the hand-off is "
                          f"{100 * handoff / ours[0]:.0f}% of franca's time{arrow_note}; results equal to "
                          f"{difference:.1e}")]
    _report.write(parts, args.out)


if __name__ == "__main__":
    main()
