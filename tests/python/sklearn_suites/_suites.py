"""scikit-learn's own test files, run with franca's classes in place of scikit-learn's (issue 12).

Each suite is a test file of the installed scikit-learn and the franca classes it tests. A
suite runs in a pytest subprocess with the franca_swap plugin (which swaps the classes, keeps
the tests that exercise them and records every outcome); its failures are then compared with
the suite's expected deviations for that scikit-learn version, deviations/<suite>-<major.minor>.txt.
Each line there is a test id (`*` matches any characters), then ` # ` and the reason:

    test_dtype_match[*saga*]  # why franca fails this test
    not run: test_large_max_samples_exception[*]  # why it is not even run (it would take minutes)

A failure not listed is a regression; a listed test that passes must leave the list, and so
must a line that matches no test.
"""
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEVIATIONS = HERE / "deviations"
NOT_RUN = "not run: "


@dataclasses.dataclass(frozen=True)
class Suite:
    test_file: str  # relative to the installed sklearn package
    classes: tuple  # franca's classes (and functions: enet_path) put in place of scikit-learn's

    @property
    def name(self):
        return Path(self.test_file).stem


SUITES = [
    Suite("linear_model/tests/test_logistic.py", ("LogisticRegression",)),
    Suite("ensemble/tests/test_forest.py", ("RandomForestClassifier", "RandomForestRegressor")),
    Suite("linear_model/tests/test_coordinate_descent.py",
          ("Lasso", "ElasticNet", "LassoCV", "ElasticNetCV", "MultiTaskElasticNet", "MultiTaskLasso", "enet_path",
           "lasso_path")),
    Suite("linear_model/_glm/tests/test_glm.py", ("PoissonRegressor", "GammaRegressor", "TweedieRegressor")),
    Suite("linear_model/tests/test_ridge.py", ("Ridge", "LinearRegression")),
    Suite("linear_model/tests/test_base.py", ("LinearRegression",)),
    Suite("preprocessing/tests/test_data.py", ("StandardScaler",)),
    Suite("feature_extraction/tests/test_text.py", ("HashingVectorizer", "TfidfTransformer")),
]


@dataclasses.dataclass
class Deviation:
    pattern: str
    reason: str
    line: int
    run: bool  # False: the test is deselected ("not run: " lines)

    def matches(self, test_id):
        return matches(self.pattern, test_id)


def matches(pattern, test_id):
    """Whether a deviation's pattern names a test id: `*` stands for any characters, every
    other character (brackets too) for itself."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), test_id) is not None


def deviations_path(suite, sklearn_version):
    """deviations/<suite>-<major.minor>.txt: test ids change between scikit-learn versions."""
    return DEVIATIONS / f"{suite.name}-{'.'.join(sklearn_version.split('.')[:2])}.txt"


def read_deviations(path):
    """The expected deviations in a file ([] if there is none); blank lines and lines starting
    with # are comments. A line without its reason is an error."""
    if not path.exists():
        return []
    deviations = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        pattern, _, reason = line.partition(" # ")
        if not reason.strip():
            raise ValueError(f"{path}:{number}: an expected deviation needs its reason after ' # ': {line!r}")
        run = not pattern.startswith(NOT_RUN)
        deviations.append(Deviation(pattern.removeprefix(NOT_RUN).strip(), reason.strip(), number, run))
    return deviations


@dataclasses.dataclass
class Result:
    """One suite run: the outcome of every selected test ({"outcome": passed, failed or skipped,
    "message", "seconds"}), the ids deselected as exercising none of franca's classes, those its
    deviations keep from running, and the deviations it was run with."""
    suite: Suite
    sklearn_version: str
    numpy_version: str
    tests: dict
    deselected: list
    not_run: list
    collection_errors: dict
    deviations_path: Path
    deviations: list
    seconds: float

    def ids(self, outcome):
        return sorted(test_id for test_id, t in self.tests.items() if t["outcome"] == outcome)

    @property
    def applicable(self):
        """Tests of franca's classes that scikit-learn does not skip, run or not."""
        return len(self.ids("passed")) + len(self.ids("failed")) + len(self.not_run)


def installed_sklearn(python):
    """(the sklearn package folder, its version) as `python` imports them."""
    out = subprocess.run([python, "-c", "import os, sklearn; print(os.path.dirname(sklearn.__file__)); "
                          "print(sklearn.__version__)"], check=True, capture_output=True, text=True).stdout.split()
    return Path(out[0]), out[1]


def run_suite(suite, python=sys.executable, device="cpu"):
    """Runs one suite's test file under `python` (its scikit-learn's file and deviations), franca
    computing on `device` (cuda: the tests' host data placed on the GPU by the binding)."""
    package, version = installed_sklearn(python)
    path = deviations_path(suite, version)
    deviations = read_deviations(path)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    # scikit-learn's installed folders are not ours to write: no bytecode, no cache there.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with tempfile.TemporaryDirectory() as work:
        outcomes = Path(work) / "outcomes.json"
        command = [python, "-m", "pytest", str(package / suite.test_file), "-q", "-p", "no:cacheprovider",
                   "-p", "franca_swap", "--franca-swap", ",".join(suite.classes), "--franca-outcomes", str(outcomes),
                   # scikit-learn's conftest.py files are above the test file: the root is the
                   # folder that holds the sklearn package, so that pytest loads them.
                   "--rootdir", str(package.parent), "--franca-device", device]
        command += [f"--franca-not-run={d.pattern}" for d in deviations if not d.run]
        start = time.monotonic()
        run = subprocess.run(command, cwd=work, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        seconds = time.monotonic() - start
        if not outcomes.exists():
            raise RuntimeError(f"{' '.join(command)} exited with {run.returncode} and recorded nothing:\n{run.stdout}")
        recorded = json.loads(outcomes.read_text())
    return Result(suite, recorded["sklearn_version"], recorded["numpy_version"], recorded["tests"],
                  recorded["deselected"], recorded["not_run"], recorded["collection_errors"], path, deviations,
                  seconds)


def problems(result):
    """What breaks the suite's contract, one line each: a collection error, a failure that no
    deviation lists, a listed test that passes, a line that matches no test."""
    found = [f"collection error in {node}: {message}" for node, message in result.collection_errors.items()]
    failed = result.ids("failed")
    for test_id in failed:
        if not any(d.run and d.matches(test_id) for d in result.deviations):
            found.append(f"unexpected failure: {test_id}: {result.tests[test_id]['message']}")
    where = result.deviations_path.name
    for deviation in result.deviations:
        passing = [t for t in result.ids("passed") if deviation.matches(t)]
        if passing:
            shown = ", ".join(passing[:3]) + (f" and {len(passing) - 3} more" if len(passing) > 3 else "")
            found.append(f"{where}:{deviation.line}: {deviation.pattern!r} is listed but passes: {shown}; take "
                         "it off the list")
        elif not any(deviation.matches(t) for t in (failed if deviation.run else result.not_run)):
            found.append(f"{where}:{deviation.line}: {deviation.pattern!r} matches no "
                         f"{'failing' if deviation.run else 'collected'} test; take it off the list")
    return found


def summary(result):
    """One line: the suite, the scikit-learn version and the counts."""
    passed, failed, skipped = (len(result.ids(outcome)) for outcome in ("passed", "failed", "skipped"))
    return (f"{result.suite.test_file} on scikit-learn {result.sklearn_version}: {passed} passed / "
            f"{result.applicable} applicable, {failed} failed, {len(result.not_run)} not run, {skipped} skipped by "
            f"scikit-learn, {len(result.deselected)} deselected (other classes), {result.seconds:.0f} s")


def draft(result):
    """Deviation lines for the failures that no deviation lists, the failure's message in place
    of the reason, which only a person can write."""
    return [f"{test_id}  # {result.tests[test_id]['message']}" for test_id in result.ids("failed")
            if not any(d.run and d.matches(test_id) for d in result.deviations)]
