"""LinearRegression and Ridge on CSR X: the same model as on dense X, and scikit-learn's
exact (dense) solution. Run with FRANCA_LIBRARY=path/to/libfranca.so."""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression, Ridge

import _capi
from _capi import Estimator, FrancaError

RTOL = 1e-8  # CSR against dense, float64


def problem(n=300, d=25, t=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + 3.0  # non-zero column means: centring matters
    X[rng.random((n, d)) < 0.7] = 0
    coef = rng.normal(size=(t, d))
    y = X @ coef.T + 0.5 + 0.1 * rng.normal(size=(n, t))
    return X, (y[:, 0] if t == 1 else y), rng.uniform(0.2, 2.0, n)


def csr(X, value_dtype=np.float64, index_dtype=np.int32):
    m = sp.csr_matrix(X.astype(value_dtype))
    m.indices = m.indices.astype(index_dtype)
    m.indptr = m.indptr.astype(index_dtype)
    return m


@pytest.mark.parametrize("name,params", [("LinearRegression", {}), ("Ridge", {"alpha": 2.5})])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("t", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_csr_matches_dense_and_sklearn(name, params, fit_intercept, t, weighted):
    X, y, w = problem(t=t, seed=t)
    w = w if weighted else None
    params = {**params, "fit_intercept": fit_intercept}
    sparse = Estimator(name, **params).fit(csr(X, index_dtype=np.int64), y, w)
    dense = Estimator(name, **params).fit(X, y, w)
    ref = (LinearRegression if name == "LinearRegression" else Ridge)(**params).fit(X, y, sample_weight=w)
    for attribute, expected in [("coef_", ref.coef_), ("intercept_", ref.intercept_)]:
        np.testing.assert_allclose(sparse.attribute(attribute), dense.attribute(attribute), rtol=RTOL, atol=1e-10)
        np.testing.assert_allclose(sparse.attribute(attribute), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(sparse.apply("predict", csr(X)), ref.predict(X), rtol=1e-7, atol=1e-9)


def test_float32_csr():
    X, y, _ = problem(seed=5)
    est = Estimator("Ridge", alpha=1.0).fit(csr(X, np.float32), y)
    ref = Ridge(alpha=1.0).fit(X, y)
    np.testing.assert_allclose(est.attribute("coef_"), ref.coef_, rtol=1e-4, atol=1e-5)
    assert est.attribute("coef_").dtype == np.float32


def test_too_many_columns():
    X = sp.random(50, 5000, density=0.001, format="csr", random_state=0)
    with pytest.raises(FrancaError) as info:
        Estimator("LinearRegression").fit(X, np.arange(50.0))
    assert info.value.status == _capi.NOT_IMPLEMENTED
    assert "a CSR matrix of 5000 columns" in info.value.message
