"""Runs scikit-learn's own test files with franca's classes in place of scikit-learn's, checks
each against its expected deviations and, with --report, writes the pass rates per file.

From the repository root, with the library built (CI's two stacks, as docs/sklearn_suites.md
is made):

    FRANCA_LIBRARY=$PWD/build/lib/libfranca.so PYTHONPATH=$PWD/bindings/python \\
      /usr/bin/python3 tests/python/sklearn_suites/run.py --python /usr/bin/python3 \\
      --python build/venv-newest/bin/python --report docs/sklearn_suites.md

--draft prints the failures that no deviation lists as deviation lines whose reason is the
failure's message: a draft, each message to be replaced by the reason before it is committed.
"""
import argparse
import collections
import sys
from pathlib import Path

import _suites


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append",
                        help="an interpreter whose scikit-learn runs the suites (repeatable; default: this one)")
    parser.add_argument("--suite", action="append", choices=[suite.name for suite in _suites.SUITES],
                        help="only this suite (repeatable; default: all)")
    parser.add_argument("--report", type=Path, help="write the pass rates per file to this Markdown file")
    parser.add_argument("--draft", action="store_true", help="print unlisted failures as draft deviation lines")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                        help="where franca computes (cuda: the tests' data placed on the GPU; tests/gpu/run.sh)")
    args = parser.parse_args()

    results, all_problems = [], []
    for python in args.python or [sys.executable]:
        for suite in _suites.SUITES:
            if args.suite and suite.name not in args.suite:
                continue
            result = _suites.run_suite(suite, python, args.device)
            results.append(result)
            print(_suites.summary(result), flush=True)
            problems = _suites.problems(result)
            if args.draft:
                print("".join(f"{line}\n" for line in _suites.draft(result)), end="")
                problems = [p for p in problems if not p.startswith("unexpected failure")]
            all_problems += [f"{suite.name} on scikit-learn {result.sklearn_version}: {problem}" for problem in problems]
    if args.report:
        args.report.write_text(report(results, args.device))
        print(f"wrote {args.report}")
    print("\n".join(all_problems) or "every suite matches its expected deviations")
    return 1 if all_problems else 0


def report(results, device="cpu"):
    """docs/sklearn_suites.md: a table of pass rates, then each file's deviations by reason."""
    lines = ["# scikit-learn's test suites on franca's classes" + ("" if device == "cpu" else f", on {device}"), "",
             "Made by `tests/python/sklearn_suites/run.py --python /usr/bin/python3 --python "
             "build/venv-newest/bin/python --report docs/sklearn_suites.md` (its docstring says more); do not edit.",
             "Each row is one of scikit-learn's test files, run by the installed scikit-learn with franca's",
             "classes in place of scikit-learn's (issue 12; `tests/python/sklearn_suites/`, in CI on both stacks).",
             "*Applicable* tests exercise a franca class (the others, on the file's other classes, are",
             "*deselected* by one rule) and are not skipped by scikit-learn itself; an *expected deviation* is a",
             "failure listed with its reason in `tests/python/sklearn_suites/deviations/<file>-<version>.txt`.", "",
             "| test file | franca classes | scikit-learn, NumPy | passed / applicable | expected deviations "
             "| deselected | skipped by scikit-learn | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        passed = len(r.ids("passed"))
        rate = f"{passed} / {r.applicable} ({100 * passed / max(r.applicable, 1):.0f} %)"
        lines.append(f"| `{r.suite.test_file}` | {', '.join(r.suite.classes)} | {r.sklearn_version}, "
                     f"{r.numpy_version} | {rate} | {r.applicable - passed} | {len(r.deselected)} "
                     f"| {len(r.ids('skipped'))} | {r.seconds:.0f} |")
    for r in results:
        by_reason = collections.Counter()
        for test_id in r.ids("failed") + r.not_run:
            deviation = next((d for d in r.deviations if d.matches(test_id)), None)
            by_reason[deviation.reason if deviation else "(not listed: a regression)"] += 1
        lines += ["", f"## `{r.suite.test_file}`, scikit-learn {r.sklearn_version}: deviations by reason", "",
                  "| tests | reason |", "|---|---|"]
        lines += [f"| {count} | {reason} |" for reason, count in by_reason.most_common()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
