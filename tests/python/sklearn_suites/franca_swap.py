"""pytest plugin (`-p franca_swap`) that runs one of scikit-learn's test files with franca's
classes in place of scikit-learn's, keeps the tests that exercise them and records each
test's outcome. `_suites.run_suite` starts pytest with it; it is no test module itself.

--franca-swap LogisticRegression,...  franca's classes (by name) to put in place of scikit-learn's, and
                                       the functions franca computes (enet_path, lasso_path)
--franca-outcomes PATH                 where the outcomes are written (JSON: `pytest_sessionfinish`)
--franca-not-run PATTERN               a test (pattern as in the deviation files) not to run; repeatable
--franca-device cuda                   where franca computes (franca.set_config(device=...)): the tests'
                                       NumPy and scipy data are placed there by the binding; default cpu
"""
import contextlib
import dis
import functools
import importlib
import inspect
import json
import sys
import types

import pytest

import _suites

# Private methods that scikit-learn's tests call on the estimator only to compute their reference
# (test_glm.py's glm_dataset fixture asks the model for its loss to find the exact solution). franca's
# classes get them from scikit-learn's estimator with the same parameters, so that those tests judge
# franca's fit against the reference instead of failing on a private name.
REFERENCE_METHODS = ("_get_loss",)


def pytest_addoption(parser):
    group = parser.getgroup("franca", "scikit-learn's tests run on franca's classes")
    group.addoption("--franca-swap", default="", help="comma-separated names of franca's classes to test")
    group.addoption("--franca-outcomes", help="JSON file the outcome of every test is written to")
    group.addoption("--franca-not-run", action="append", default=[], help="a test id pattern not to run")
    group.addoption("--franca-device", default="cpu", help="where franca computes: cpu or cuda")


def pytest_configure(config):
    names = [n for n in config.getoption("franca_swap").split(",") if n]
    if names:
        config.pluginmanager.register(
            FrancaSwap(names, config.getoption("franca_outcomes"), config.getoption("franca_not_run"),
                       config.getoption("franca_device")), "franca-swap")


class FrancaSwap:
    def __init__(self, names, outcomes_path, not_run_patterns, device="cpu"):
        import franca
        import numpy
        import sklearn

        franca.set_config(device=device)

        # scikit-learn's class (or function) -> franca's of the same name. A name that is no
        # estimator class is one of scikit-learn's functions that franca computes (enet_path).
        self.franca_classes = {}
        from franca._estimator import FUNCTION_CLASSES
        estimators = dict(franca.all_estimators())
        function_modules = sorted({cls._spec["module"] for cls in FUNCTION_CLASSES.values()})
        for name in names:
            if name not in estimators:
                module = next(m for m in function_modules if hasattr(importlib.import_module("franca." + m), name))
                self.franca_classes[getattr(importlib.import_module("sklearn." + module), name)] = getattr(
                    importlib.import_module("franca." + module), name)
                continue
            franca_class = estimators[name]
            sklearn_module = importlib.import_module("sklearn." + franca_class.__module__.split(".", 1)[1])
            sklearn_class = getattr(sklearn_module, name)
            self.franca_classes[sklearn_class] = franca_class
            for method in REFERENCE_METHODS:
                if hasattr(sklearn_class, method) and not hasattr(franca_class, method):
                    setattr(franca_class, method, _sklearn_method(sklearn_class, method))
        self.outcomes_path = outcomes_path
        self.not_run_patterns = not_run_patterns
        self.versions = {"sklearn_version": sklearn.__version__, "numpy_version": numpy.__version__, "device": device}
        self.tests = {}  # test id -> {"outcome": passed|failed|skipped, "message": ..., "seconds": ...}
        self.deselected, self.not_run = [], []
        self.collection_errors = {}

    # -------------------------------------------------------------- the swap

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector):
        """The test module is imported while its collector collects: franca's classes are in
        scikit-learn's modules only then, so the test file's imports (and the module-level
        tables and parametrisations built from them) take franca's, while scikit-learn's own
        code (LogisticRegressionCV's inner fits, the binding's Python fallback to scikit-learn's
        class) keeps scikit-learn's."""
        if not isinstance(collector, pytest.Module):
            yield
            return
        with _swapped(self.franca_classes):
            yield

    # -------------------------------------------------------------- which tests apply

    def pytest_collection_modifyitems(self, config, items):
        franca_classes = set(self.franca_classes.values())
        kept, deselected = [], []
        for item in items:
            test_id = _test_id(item.nodeid)
            if not _exercises(item, franca_classes):
                self.deselected.append(test_id)
            elif any(_suites.matches(pattern, test_id) for pattern in self.not_run_patterns):
                self.not_run.append(test_id)
            else:
                kept.append(item)
                continue
            deselected.append(item)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = kept

    # -------------------------------------------------------------- outcomes

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors[report.nodeid] = _message(report)

    def pytest_runtest_logreport(self, report):
        test_id = _test_id(report.nodeid)
        test = self.tests.setdefault(test_id, {"seconds": 0.0})
        test["seconds"] += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            # An xfail of scikit-learn's own is reported skipped: the test says it does not apply.
            test.update(outcome=report.outcome, message=_message(report) if report.failed else "")
        elif report.when == "teardown" and report.failed:
            test.update(outcome="failed", message="teardown: " + _message(report))

    def pytest_sessionfinish(self, session):
        if self.outcomes_path:
            with open(self.outcomes_path, "w") as f:
                json.dump({**self.versions, "tests": self.tests, "deselected": self.deselected,
                           "not_run": self.not_run, "collection_errors": self.collection_errors}, f,
                          indent=1, sort_keys=True)


def _sklearn_method(sklearn_class, method):
    """A reference method for franca's class, answered by scikit-learn's estimator with the same
    parameters (those scikit-learn's class takes)."""
    accepted = inspect.signature(sklearn_class).parameters

    def call(self, *args, **kwargs):
        params = {name: value for name, value in self.get_params(deep=False).items() if name in accepted}
        return getattr(sklearn_class(**params), method)(*args, **kwargs)

    call.__name__ = method
    return call


@contextlib.contextmanager
def _swapped(franca_classes):
    """Every loaded scikit-learn module that holds one of the classes (the public module and
    the private one it is defined in, e.g. sklearn.ensemble and sklearn.ensemble._forest) holds
    franca's class instead, until the block ends."""
    replaced = []
    for module in [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "sklearn" and m]:
        for sklearn_class, franca_class in franca_classes.items():
            if vars(module).get(sklearn_class.__name__) is sklearn_class:
                setattr(module, sklearn_class.__name__, franca_class)
                replaced.append((module, sklearn_class))
    try:
        yield
    finally:
        for module, sklearn_class in replaced:
            setattr(module, sklearn_class.__name__, sklearn_class)


def _exercises(item, franca_classes):
    """Whether a test has one of franca's classes in its hands. scikit-learn's test files test
    several classes; those that pick no franca class are deselected by one rule instead of a
    list of ids:
    - a test parametrised with estimators (classes, instances, or the names of the test
      module's estimator classes, as test_forest.py's `name`) applies when one of them is
      franca's: test_classification_toy[RandomForestClassifier] does,
      test_classification_toy[ExtraTreesClassifier] does not;
    - otherwise, when its code (with the test module's helpers and fixtures it calls) names
      franca's class, or a table holding it (FOREST_CLASSIFIERS) where no parameter picks from
      that table: tests of LogisticRegressionCV alone, of private functions
      (_logistic_regression_path) or of other estimators do not. A class named only in an
      isinstance() check is no use of it: test_standard_scaler_constant_features[scaler1]
      (RobustScaler) asks `isinstance(scaler, StandardScaler)` and does not apply."""
    module_globals = vars(item.module)
    params = getattr(item, "callspec", None)
    named = set(_estimators_in(params.params.values() if params else (), module_globals))
    if named & franca_classes:
        return True
    directly, through_table = _references(item, module_globals, franca_classes)
    return directly or (through_table and not named)


def _estimators_in(values, module_globals):
    """Estimator classes named by parameter values: classes, instances (their class), names
    of the test module's estimator classes, inside tuples, lists, dicts and partials too."""
    from sklearn.base import BaseEstimator

    for value in values:
        if isinstance(value, str):
            value = module_globals.get(value)
        if isinstance(value, type) and issubclass(value, BaseEstimator):
            yield value
        elif isinstance(value, BaseEstimator):
            yield type(value)
        elif inspect.isfunction(value):  # a function franca computes (test_path_unknown_parameter[enet_path])
            yield value
        elif isinstance(value, functools.partial):
            yield from _estimators_in([value.func, *value.args, *value.keywords.values()], module_globals)
        elif isinstance(value, dict):
            yield from _estimators_in(value.values(), module_globals)
        elif isinstance(value, (tuple, list)):
            yield from _estimators_in(value, module_globals)


def _references(item, module_globals, franca_classes):
    """(names one of franca's classes, names a table that holds one) in the code the test
    runs from its module: its function, the module's functions and classes that code names,
    and the module's fixtures it requests, followed through."""
    module_name = item.module.__name__
    fixture_functions = [defs[-1].func for defs in item._fixtureinfo.name2fixturedefs.values()
                         if getattr(defs[-1].func, "__module__", None) == module_name]
    pending = [code for function in (item.function, *fixture_functions) for code in _code_of(function)]
    seen_code, seen_names = set(), set()
    directly = through_table = False
    while pending:
        code = pending.pop()
        if code in seen_code:
            continue
        seen_code.add(code)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        for name in set(code.co_names) - seen_names - _only_type_checked(code):
            seen_names.add(name)
            value = module_globals.get(name)
            if value is None:
                continue
            if ((isinstance(value, type) or inspect.isfunction(value)) and value in franca_classes) or \
                    type(value) in franca_classes:
                directly = True
            elif isinstance(value, (dict, tuple, list)):
                through_table |= bool(set(_estimators_in([value], module_globals)) & franca_classes)
            elif getattr(inspect.unwrap(value), "__module__", None) == module_name:
                pending.extend(_code_of(value))
    return directly, through_table


def _only_type_checked(code):
    """Names that `code` loads only as the class of an isinstance() check: a test of
    RobustScaler that asks `isinstance(scaler, StandardScaler)` (test_data.py) does not have
    franca's class in its hands."""
    instructions = list(dis.get_instructions(code))
    checked, used = set(), set()
    for i, instruction in enumerate(instructions):
        if instruction.opname not in ("LOAD_GLOBAL", "LOAD_NAME"):
            continue
        name = instruction.argval
        (checked if _is_isinstance_class(instructions, i) else used).add(name)
    return checked - used


def _is_isinstance_class(instructions, i):
    """Whether instruction i loads the second argument of isinstance(obj, cls): the call of two
    arguments follows it, and before it come the load of isinstance and the loads of obj."""
    following = instructions[i + 1] if i + 1 < len(instructions) else None
    if following is None or following.opname not in ("PRECALL", "CALL") or following.arg != 2:
        return False
    for previous in reversed(instructions[:i - 1]):
        if previous.opname in ("LOAD_GLOBAL", "LOAD_NAME") and previous.argval == "isinstance":
            return True
        if not previous.opname.startswith("LOAD_"):
            return False
    return False


def _code_of(obj):
    """The code of a function, or of every method of a class; nothing for other objects."""
    obj = inspect.unwrap(obj)
    if inspect.isfunction(obj):
        return [obj.__code__]
    if inspect.isclass(obj):
        return [code for member in vars(obj).values() for code in _code_of(member)]
    return []


def _test_id(nodeid):
    """The id within its file: test_logistic.py::test_predict_iris[lbfgs] -> test_predict_iris[lbfgs]."""
    return nodeid.split("::", 1)[1] if "::" in nodeid else nodeid


def _message(report, limit=400):
    """The failure in one line: the exception's type and message where pytest has them. A long
    one keeps its start and its end, where a wrapped error (GridSearchCV's fits) says its cause."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = " ".join((crash.message if crash is not None else str(report.longrepr)).split())
    return text if len(text) <= limit else f"{text[:limit // 2]} ... {text[-limit // 2:]}"
