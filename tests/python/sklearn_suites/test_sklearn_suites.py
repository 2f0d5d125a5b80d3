"""scikit-learn's own test files with franca's classes in place of scikit-learn's: the test of
"drop-in" (issue 12). One case per file, run on the interpreter that runs this module (its
scikit-learn's tests); it fails on a failure that deviations/<file>-<version>.txt does not list
and on a listed test that now passes. `run.py` runs the same suites from the command line and
writes docs/sklearn_suites.md. Needs FRANCA_LIBRARY and franca on PYTHONPATH, as the other tests.
"""
import pytest
import sklearn

import _suites


@pytest.mark.parametrize("suite", _suites.SUITES, ids=lambda suite: suite.name)
def test_sklearn_suite(suite):
    deviations = _suites.deviations_path(suite, sklearn.__version__)
    if not deviations.exists():
        pytest.skip(f"no expected deviations for scikit-learn {sklearn.__version__} (CI's two stacks have "
                    f"theirs); `run.py --draft` drafts {deviations.name}")
    result = _suites.run_suite(suite)
    print(_suites.summary(result))
    problems = _suites.problems(result)
    assert not problems, f"{suite.test_file} on scikit-learn {result.sklearn_version}:\n" + "\n".join(problems)
