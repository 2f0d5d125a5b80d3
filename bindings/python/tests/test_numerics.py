"""franca's results against scikit-learn's on the same data (float64: 1e-6 relative)."""
import numpy as np
import pytest
import sklearn.linear_model
import sklearn.preprocessing
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes

from franca.linear_model import LinearRegression, Ridge
from franca.preprocessing import StandardScaler

RTOL = 1e-6  # float64 parity with scikit-learn
PAIRS = [
    (LinearRegression, sklearn.linear_model.LinearRegression, {}),
    (Ridge, sklearn.linear_model.Ridge, {"alpha": 0.7}),
    (Ridge, sklearn.linear_model.Ridge, {"alpha": 2.0, "fit_intercept": False}),
]


def _random_problem(seed, n=300, d=8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 5, size=d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n) + 3.0
    w = rng.uniform(0.1, 2.0, size=n)
    return X, y, w


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y, np.random.default_rng(1).uniform(0.1, 2.0, size=len(y))


DATASETS = {"random0": lambda: _random_problem(0), "random1": lambda: _random_problem(1, n=57, d=20),
            "diabetes": _diabetes}


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ours, theirs, params", PAIRS, ids=lambda p: getattr(p, "__name__", str(p)))
def test_linear_models_match_sklearn(ours, theirs, params, data, weighted):
    X, y, w = DATASETS[data]()
    sw = w if weighted else None
    mine = ours(**params).fit(X, y, sample_weight=sw)
    ref = theirs(**params).fit(X, y, sample_weight=sw)
    context = f"{ours.__name__}({params}) on {data}, weighted={weighted}"
    assert_allclose(mine.coef_, ref.coef_, rtol=RTOL, atol=1e-9 * np.abs(ref.coef_).max(), err_msg=context)
    assert_allclose(mine.intercept_, ref.intercept_, rtol=RTOL, atol=1e-9, err_msg=context)
    assert_allclose(mine.predict(X), ref.predict(X), rtol=RTOL, err_msg=context)
    assert mine.score(X, y, sample_weight=sw) == pytest.approx(ref.score(X, y, sample_weight=sw), rel=RTOL)


@pytest.mark.parametrize("data", DATASETS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("params", [{}, {"with_mean": False}, {"with_std": False}])
def test_standard_scaler_matches_sklearn(params, data, weighted):
    X, _, w = DATASETS[data]()
    sw = w if weighted else None
    mine = StandardScaler(**params).fit(X, sample_weight=sw)
    ref = sklearn.preprocessing.StandardScaler(**params).fit(X, sample_weight=sw)
    context = f"StandardScaler({params}) on {data}, weighted={weighted}"
    for name in ("mean_", "var_", "scale_"):
        if getattr(ref, name) is not None:
            assert_allclose(getattr(mine, name), getattr(ref, name), rtol=RTOL, err_msg=f"{context}: {name}")
    assert mine.n_samples_seen_ == pytest.approx(ref.n_samples_seen_)
    Z = mine.transform(X)
    assert_allclose(Z, ref.transform(X), rtol=RTOL, atol=1e-12, err_msg=context)
    assert_allclose(mine.inverse_transform(Z), X, rtol=RTOL, err_msg=context)


def test_float32_input_gives_float32_results(rng):
    X = rng.normal(size=(100, 4)).astype(np.float32)
    y = (X @ np.arange(1, 5, dtype=np.float32)).astype(np.float32)
    model = Ridge(alpha=0.1).fit(X, y)
    assert model.predict(X).dtype == np.float32
    ref = sklearn.linear_model.Ridge(alpha=0.1).fit(X.astype(np.float64), y.astype(np.float64))
    assert_allclose(model.coef_, ref.coef_, rtol=1e-4)


def test_multi_output_regression(rng):
    X = rng.normal(size=(80, 5))
    Y = X @ rng.normal(size=(5, 3))
    mine, ref = Ridge(alpha=0.3).fit(X, Y), sklearn.linear_model.Ridge(alpha=0.3).fit(X, Y)
    assert mine.coef_.shape == (3, 5)
    assert_allclose(mine.predict(X), ref.predict(X), rtol=RTOL)


def test_scalar_attributes_as_scikit_learns(rng):
    X = rng.normal(size=(30, 3))
    model = Ridge().fit(X, X[:, 0])
    assert type(model.n_features_in_) is int and model.n_features_in_ == 3
    # scikit-learn's intercept_ of one target is a NumPy scalar of X's dtype: a float with a shape
    # (scikit-learn's test_ridge_shapes_type asserts both).
    ref = sklearn.linear_model.Ridge().fit(X, X[:, 0])
    assert type(model.intercept_) is type(ref.intercept_) is np.float64 and model.intercept_.shape == ()
    assert isinstance(model.intercept_, float)
    assert type(Ridge().fit(X.astype(np.float32), X[:, 0]).intercept_) is np.float32
    assert type(StandardScaler().fit(X).n_samples_seen_) is int
