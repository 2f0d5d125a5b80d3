"""LassoCV and ElasticNetCV against scikit-learn 1.2.1 through the C ABI: alphas_ (the grid),
mse_path_ (within MSE_RTOL at a tight tolerance), alpha_, l1_ratio_, coef_ and intercept_, on
diabetes (dense, the Gram form), a narrow CSR matrix (the Gram form over CSR) and a wide CSR
matrix (the residual form), with given alphas, a list of l1_ratio, sample_weight and
fit_intercept=False. Run with FRANCA_LIBRARY=path/to/libfranca.so."""
import inspect

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNetCV, LassoCV, _coordinate_descent

from _capi import Estimator, FrancaError

MSE_RTOL = 1e-6
TIGHT = dict(tol=1e-12, max_iter=100000)
SKLEARN = {"ElasticNetCV": ElasticNetCV, "LassoCV": LassoCV}


def diabetes():
    return load_diabetes(return_X_y=True)


def sparse_problem(d, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(120, d, density=0.08, format="csr", random_state=seed) * 3.0
    X.sort_indices()
    beta = np.zeros(d)
    beta[rng.choice(d, 8, replace=False)] = rng.normal(size=8) * 2
    y = X @ beta + 0.1 * rng.normal(size=120) + 0.5
    return X, y


# Whether the installed scikit-learn's alpha grid weighs x_j^T y by sample_weight (and takes the
# largest x_j^T y with positive=True): from 1.8, as franca's.
WEIGHTED_GRID = "sample_weight" in inspect.signature(_coordinate_descent._alpha_grid).parameters


def reference_params(name, params):
    """The same fit in the installed scikit-learn's spelling: newer scikit-learn took the number of
    alphas from n_alphas into alphas (an int)."""
    params = dict(params)
    if "n_alphas" in params and "n_alphas" not in inspect.signature(SKLEARN[name]).parameters:
        params["alphas"] = params.pop("n_alphas")
    return params


def fit_both(name, X, y, w=None, **params):
    ours = Estimator(name, **params).fit(X, y, w)
    ref = SKLEARN[name](**reference_params(name, params)).fit(X, y, sample_weight=w)
    return ours, ref


def compare(ours, ref, coef_atol=1e-6):
    np.testing.assert_allclose(ours.attribute("alphas_"), ref.alphas_, rtol=1e-12)
    mse = ours.attribute("mse_path_")
    assert mse.shape == ref.mse_path_.shape
    np.testing.assert_allclose(mse, ref.mse_path_, rtol=MSE_RTOL)
    assert float(ours.attribute("alpha_")) == pytest.approx(ref.alpha_, rel=1e-12)
    if hasattr(ref, "l1_ratio_") and "l1_ratio" in ref.get_params():
        assert float(ours.attribute("l1_ratio_")) == ref.l1_ratio_
    np.testing.assert_allclose(ours.attribute("coef_"), ref.coef_, atol=coef_atol)
    np.testing.assert_allclose(ours.attribute("intercept_"), ref.intercept_, atol=coef_atol * 10)
    assert np.shape(ours.attribute("intercept_")) == np.shape(ref.intercept_)
    assert np.shape(ours.attribute("dual_gap_")) == np.shape(ref.dual_gap_)


@pytest.mark.parametrize("name", ["LassoCV", "ElasticNetCV"])
@pytest.mark.parametrize("cv", [None, 3])
def test_diabetes(name, cv):
    X, y = diabetes()
    ours, ref = fit_both(name, X, y, cv=cv, **TIGHT)
    compare(ours, ref)


def test_diabetes_l1_ratio_list_and_given_alphas():
    X, y = diabetes()
    ours, ref = fit_both("ElasticNetCV", X, y, l1_ratio=[0.2, 0.7, 1.0], n_alphas=30, **TIGHT)
    compare(ours, ref)
    ours, ref = fit_both("ElasticNetCV", X, y, l1_ratio=[0.2, 0.9], alphas=[0.01, 1.0, 0.1], **TIGHT)
    compare(ours, ref)


def test_diabetes_weighted_no_intercept_positive():
    X, y = diabetes()
    w = np.random.default_rng(1).uniform(0.2, 2.0, size=len(y))
    for params in ({"n_alphas": 40}, {"fit_intercept": False, "positive": True, "n_alphas": 40}):
        ours, ref = fit_both("LassoCV", X, y, w, **params, **TIGHT)
        if not WEIGHTED_GRID:
            # scikit-learn before 1.8 took the grid's alpha_max unweighted, and |x_j^T y| with
            # positive=True; franca follows the later grid (compared where it is installed); given
            # franca's grid, the rest of the fit compares.
            ref = SKLEARN["LassoCV"](**{**reference_params("LassoCV", params), "alphas": ours.attribute("alphas_")},
                                     **TIGHT).fit(X, y, sample_weight=w)
        compare(ours, ref)


@pytest.mark.parametrize("d", [300, 5000])  # the Gram form over CSR; the residual form
def test_csr(d):
    X, y = sparse_problem(d)
    # eps=1e-2: more columns than rows, so the path stops short of the interpolating end, where
    # scikit-learn's iterations at tol 1e-12 take minutes.
    ours, ref = fit_both("LassoCV", X, y, n_alphas=30, eps=1e-2, cv=4, **TIGHT)
    compare(ours, ref)
    ours, ref = fit_both("ElasticNetCV", X, y, l1_ratio=[0.5, 0.9], n_alphas=20, eps=1e-2, **TIGHT)
    compare(ours, ref)


def test_same_model_dense_and_csr():
    X, y = sparse_problem(200, seed=3)
    a = Estimator("LassoCV", n_alphas=25, **TIGHT).fit(X, y)
    b = Estimator("LassoCV", n_alphas=25, **TIGHT).fit(X.toarray(), y)
    np.testing.assert_allclose(a.attribute("mse_path_"), b.attribute("mse_path_"), rtol=1e-9)
    np.testing.assert_allclose(a.attribute("coef_"), b.attribute("coef_"), atol=1e-9)


@pytest.mark.parametrize("params, message", [
    (dict(cv=1), "parameter 'cv'"),
    (dict(eps=0), "parameter 'eps'"),
    (dict(n_alphas=0), "parameter 'n_alphas'"),
    (dict(alphas=[0.1, -1]), "parameter 'alphas'"),
    (dict(alphas=[]), "parameter 'alphas'"),
    (dict(l1_ratio=[0.5, 1.5]), "parameter 'l1_ratio'"),
    (dict(precompute="yes"), "parameter 'precompute'"),
    (dict(l1_ratio=0.0), "l1_ratio=0"),
    (dict(cv=500), "n_splits=500"),
])
def test_bad_values_are_named(params, message):
    X, y = diabetes()
    with pytest.raises(FrancaError, match=message):
        Estimator("ElasticNetCV", **params).fit(X, y)
