"""Parameters as the listing declares them: every estimator's class, signature and module come
from libfranca's listing (the test-only TestParamKinds, which no file of the package names,
proves it), and every bad value, including the ones Python makes easy (NaN, infinity, integers
beyond 64 bits, JSON nested 100,000 levels deep), raises the right class with a message naming
the parameter."""
import importlib
import inspect

import numpy as np
import pytest

import franca
from franca import _lib
from franca.linear_model import LogisticRegression


def _listing():
    return {e["name"]: e for e in _lib.take_json(_lib.lib.franca_estimator_list)}


def test_every_class_lives_in_its_listed_module_with_the_listed_signature():
    for name, entry in _listing().items():
        module_name = f"franca.{entry['module']}" if entry["module"] else "franca"
        if "function" in entry:  # exposed as the scikit-learn function it computes (enet_path), not a class
            assert callable(getattr(importlib.import_module(module_name), entry["function"])), name
            assert not hasattr(importlib.import_module(module_name), name), name
            continue
        cls = getattr(importlib.import_module(module_name), name)
        assert cls.__module__ == module_name
        signature = inspect.signature(cls)
        for p in entry["params"]:
            default = p["default"]
            expected = tuple(default) if isinstance(default, list) else default
            assert signature.parameters[p["name"]].default == expected, (name, p["name"])


def test_the_test_estimator_appears_with_no_python_code_of_its_own():
    from franca.testing import TestParamKinds
    est = TestParamKinds(factor=2.0)
    X = np.arange(6, dtype=np.float64).reshape(3, 2)
    np.testing.assert_array_equal(est.fit_transform(X), 2.0 * X)
    assert "TestParamKinds" in dict(franca.all_estimators())


@pytest.mark.parametrize("params, cls, message", [
    ({"factor": np.nan}, franca.FrancaValueError, "parameter 'factor': must be a number, got NaN"),
    ({"factor": float("inf")}, franca.FrancaValueError, "parameter 'factor': must be finite, got Infinity"),
    ({"factor": 0.0}, franca.FrancaValueError, "parameter 'factor': must be > 0, got 0"),
    ({"count": 2**64}, franca.FrancaValueError, "parameter 'count': 1.8446744073709552e+19 does not fit a 64-bit"),
    ({"count": 2**63}, franca.FrancaValueError, "parameter 'count': 9223372036854775808 does not fit a 64-bit"),
    ({"small_count": 2**31}, franca.FrancaValueError, "parameter 'small_count': 2147483648 does not fit a 32-bit"),
    ({"count": 1.5}, franca.FrancaTypeError, "parameter 'count': expected int, got 1.5"),
    ({"flag": "yes"}, franca.FrancaTypeError, "parameter 'flag': expected bool"),
    ({"flavour": "salty"}, franca.FrancaValueError, "parameter 'flavour': must be one of 'sweet', 'sour', 'bitter'"),
    ({"pair": (1, 2, 3)}, franca.FrancaTypeError, "parameter 'pair': expected [first, second]"),
    ({"label": ""}, franca.FrancaValueError, "parameter 'label': must not be empty"),
    ({"low": 2.0}, franca.FrancaValueError, "parameters 'low' and 'high': low must be < high"),
])
def test_bad_values_name_their_parameter(params, cls, message):
    from franca.testing import TestParamKinds
    with pytest.raises(cls) as info:
        TestParamKinds(**params).fit(np.ones((3, 2)))
    assert message in str(info.value)


def test_numpy_nan_and_huge_integers_reach_the_parameter_check(rng):
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    with pytest.raises(franca.FrancaValueError, match="parameter 'C': must be a number, got NaN"):
        LogisticRegression(C=np.float64("nan")).fit(X, y)
    with pytest.raises(franca.FrancaValueError, match="parameter 'tol': must be finite, got -Infinity"):
        LogisticRegression(tol=-np.inf).fit(X, y)
    # 2**63 - 1 is a valid limit: the fit runs until it converges, not zero iterations.
    model = LogisticRegression(max_iter=2**63 - 1).fit(X, y)
    assert model.n_iter_[0] > 0 and np.any(model.coef_ != 0)


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"alpha": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_json_nested_too_deep_is_refused_without_a_crash(text):
    handle = _lib.new_handle(_lib.lib.franca_estimator_create, _lib.lib.franca_estimator_free, b"Ridge")
    with pytest.raises(franca.FrancaValueError, match="JSON nested deeper than 64 levels"):
        _lib.lib.franca_estimator_set_params(handle.value, text.encode())


def test_values_the_binding_applies_are_marked_in_the_listing():
    hashing = {p["name"]: p for p in _listing()["HashingVectorizer"]["params"]}
    assert hashing["token_pattern"]["binding_applies"] and hashing["tokenizer"]["binding_applies"]
    assert not hashing["ngram_range"]["binding_applies"]
    # franca.testing has no scikit-learn counterpart: a value left to the binding is an error.
    from franca.testing import TestParamKinds
    with pytest.raises(franca.FrancaValueError, match="callback cannot be passed to libfranca"):
        TestParamKinds(callback="f").fit(np.ones((3, 2)))


@pytest.mark.parametrize("make_cv", [
    lambda X, y: __import__("sklearn.model_selection").model_selection.KFold(4, shuffle=True, random_state=0),
    lambda X, y: __import__("sklearn.model_selection").model_selection.ShuffleSplit(3, test_size=0.3, random_state=1),
    lambda X, y: list(__import__("sklearn.model_selection").model_selection.GroupKFold(3).split(
        X, y, groups=np.arange(len(y)) % 7)),
], ids=["KFold-shuffled", "ShuffleSplit", "GroupKFold-splits"])
def test_cv_splitters_and_iterables_of_splits_give_scikit_learns_path(make_cv):
    """cv= a splitter object or an iterable of (train, test) splits: the binding passes its splits
    of the fit's X and y to libfranca (ShuffleSplit's training rows are not the complement of its
    test rows); mse_path_, alpha_ and coef_ are scikit-learn's, and get_params keeps the object."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import ElasticNetCV as SkElasticNetCV
    from franca.linear_model import ElasticNetCV

    from sklearn.linear_model import _coordinate_descent

    X, y = load_diabetes(return_X_y=True)
    # Weighted where the installed scikit-learn's alpha grid weighs (>= 1.8), as franca's does.
    weighted_grid = "sample_weight" in inspect.signature(_coordinate_descent._alpha_grid).parameters
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y)) if weighted_grid else None
    cv = make_cv(X, y)
    params = dict(cv=cv, l1_ratio=[0.3, 0.9], tol=1e-12, max_iter=100000)
    ours = ElasticNetCV(**params).fit(X, y, sample_weight=w)
    ref = SkElasticNetCV(**params).fit(X, y, sample_weight=w)
    assert ours.get_params()["cv"] is cv
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12) and ours.l1_ratio_ == ref.l1_ratio_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


def test_cv_splits_with_rows_beyond_x_are_named():
    from franca.linear_model import LassoCV

    X, y = np.random.default_rng(0).standard_normal((20, 3)), np.arange(20.0)
    with pytest.raises(franca.FrancaValueError, match="cv: split 1 lists row 25, but X has 20 rows"):
        LassoCV(cv=[(np.arange(10), np.arange(10, 20)), (np.arange(5), np.array([25]))]).fit(X, y)
