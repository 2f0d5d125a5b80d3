"""PoissonRegressor, GammaRegressor and TweedieRegressor against scikit-learn 1.2 (solver='lbfgs'), and
solver='newton-cholesky' against the installed scikit-learn's (1.2 or newer), step for step.

scikit-learn 1.2's GLMs run scipy's L-BFGS-B with ftol = 64 * eps and maxls = 50, as franca
does, so the reference fits use scikit-learn unchanged, with a tight tol on both sides. The
objective, 0.5 * weighted mean Tweedie deviance + alpha / 2 ||coef||^2, is computed here from
sklearn.metrics.mean_tweedie_deviance, independently of both fits. Data: scikit-learn's diabetes
(positive y) for Gamma and Tweedie, Poisson counts drawn from fixed seeds for Poisson. Run with
FRANCA_LIBRARY=path/to/libfranca.so.
"""
import functools

import numpy as np
import pytest
from scipy.linalg import LinAlgWarning
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes, make_low_rank_matrix
from sklearn.metrics import mean_tweedie_deviance
from sklearn.preprocessing import StandardScaler

import _capi
from _capi import Estimator, FrancaError

OBJECTIVE_RTOL = 1e-8  # |f_franca - f_sklearn| / |f_sklearn| at the two solutions
COEF_RTOL = 1e-4       # max |coef - ref| / max(|ref|), intercept included
SAME_MODEL_RTOL = 1e-7  # dense against CSR, both franca
FLOAT32_RTOL = 1e-3
TIGHT = {"tol": 1e-10, "max_iter": 10000}


@functools.lru_cache(maxsize=None)
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), y.astype(np.float64)


@functools.lru_cache(maxsize=None)
def counts(n=2000, d=20, seed=0):
    """Poisson counts with mean exp(X v + 0.3), X of low effective rank (fixed seeds)."""
    X = make_low_rank_matrix(n_samples=n, n_features=d, effective_rank=8, random_state=seed) * np.sqrt(n)
    rng = np.random.default_rng(seed)
    v = rng.normal(scale=0.3, size=d)
    return X, rng.poisson(np.exp(X @ v + 0.3)).astype(np.float64)


def family(name, params):
    """(power, log link) of a model."""
    if name == "PoissonRegressor":
        return 1.0, True
    if name == "GammaRegressor":
        return 2.0, True
    power = params.get("power", 0.0)
    link = params.get("link", "auto")
    return power, link == "log" or (link == "auto" and power > 0)


def objective(name, params, X, y, coef, intercept, sample_weight=None):
    power, log_link = family(name, params)
    z = np.asarray(X @ coef).ravel() + intercept
    mu = np.exp(z) if log_link else z
    alpha = params.get("alpha", 1.0)
    return 0.5 * mean_tweedie_deviance(y, mu, sample_weight=sample_weight, power=power) + alpha / 2 * coef @ coef


def reference(name, X, y, sample_weight=None, **params):
    return getattr(sk, name)(**{**TIGHT, **params}).fit(X, y, sample_weight=sample_weight)


def franca(name, X, y, sample_weight=None, **params):
    return Estimator(name, **{**TIGHT, **params}).fit(X, y, sample_weight)


def assert_same_model(name, X, y, sample_weight=None, **params):
    est, ref = franca(name, X, y, sample_weight, **params), reference(name, X, y, sample_weight, **params)
    coef, intercept = est.attribute("coef_"), float(est.attribute("intercept_"))
    assert coef.shape == ref.coef_.shape
    f = objective(name, params, X, y, coef, intercept, sample_weight)
    f_ref = objective(name, params, X, y, ref.coef_, ref.intercept_, sample_weight)
    assert abs(f - f_ref) <= OBJECTIVE_RTOL * abs(f_ref), (name, params, f, f_ref)
    both, both_ref = np.append(coef, intercept), np.append(ref.coef_, ref.intercept_)
    assert np.abs(both - both_ref).max() <= COEF_RTOL * np.abs(both_ref).max(), (both, both_ref)
    np.testing.assert_allclose(est.apply("predict", X), ref.predict(X), rtol=1e-4 * 10)
    assert int(est.attribute("n_iter_")) >= 1
    return est, ref


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_poisson_counts(alpha, fit_intercept):
    X, y = counts()
    assert_same_model("PoissonRegressor", X, y, alpha=alpha, fit_intercept=fit_intercept)


@pytest.mark.parametrize("alpha", [1e-3, 0.1])
def test_gamma_diabetes(alpha):
    X, y = diabetes()
    assert_same_model("GammaRegressor", X, y, alpha=alpha)


@pytest.mark.parametrize("power,link", [(0, "auto"), (1, "log"), (1.5, "auto"), (2, "log"), (3, "log"),
                                        (-1, "log"), (1.5, "identity"), (2, "identity")])
def test_tweedie_diabetes(power, link):
    X, y = diabetes()
    assert_same_model("TweedieRegressor", X, y, power=power, link=link, alpha=0.01)


@pytest.mark.parametrize("name,params", [("PoissonRegressor", {}), ("GammaRegressor", {}),
                                         ("TweedieRegressor", {"power": 1.5})])
def test_sample_weight(name, params):
    X, y = counts() if name == "PoissonRegressor" else diabetes()
    w = np.random.default_rng(1).uniform(0, 3, len(y))
    w[:10] = 0
    assert_same_model(name, X, y, w, alpha=0.01, **params)
    # Integer weights are repeated rows.
    reps = np.random.default_rng(2).integers(0, 3, len(y))
    a = franca(name, X, y, reps.astype(np.float64), alpha=0.01, **params).attribute("coef_")
    b = franca(name, np.repeat(X, reps, axis=0), np.repeat(y, reps), alpha=0.01, **params).attribute("coef_")
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name,params", [("PoissonRegressor", {}), ("GammaRegressor", {}),
                                         ("TweedieRegressor", {"power": 1.5})])
def test_dense_and_csr_give_the_same_model(name, params):
    X, y = counts() if name == "PoissonRegressor" else diabetes()
    X = X.copy()
    X[np.abs(X) < 0.5] = 0  # sparse structure
    dense = franca(name, X, y, alpha=0.01, **params)
    csr = franca(name, sp.csr_matrix(X), y, alpha=0.01, **params)
    a, b = dense.attribute("coef_"), csr.attribute("coef_")
    assert np.abs(a - b).max() <= SAME_MODEL_RTOL * np.abs(a).max()
    assert abs(float(dense.attribute("intercept_")) - float(csr.attribute("intercept_"))) <= SAME_MODEL_RTOL * np.abs(a).max()
    np.testing.assert_allclose(dense.apply("predict", X), csr.apply("predict", sp.csr_matrix(X)), rtol=1e-7)


def test_float32():
    X, y = counts()
    ref = reference("PoissonRegressor", X, y, alpha=0.01)
    est = franca("PoissonRegressor", X.astype(np.float32), y, alpha=0.01)
    coef = est.attribute("coef_")
    assert np.abs(coef - ref.coef_).max() <= FLOAT32_RTOL * np.abs(ref.coef_).max()
    assert est.apply("predict", X.astype(np.float32)).dtype == np.float32


def test_elastic_net_is_sparse_and_optimal():
    """l1_ratio (beyond scikit-learn): the subgradient conditions of the elastic-net objective."""
    X, y = counts()
    alpha, r = 0.05, 0.7
    est = franca("PoissonRegressor", X, y, alpha=alpha, l1_ratio=r)
    coef, b = est.attribute("coef_"), float(est.attribute("intercept_"))
    mu = np.exp(X @ coef + b)
    g = X.T @ (mu - y) / len(y) + alpha * (1 - r) * coef
    assert abs((mu - y).mean()) <= 1e-8
    nz = coef != 0
    assert (~nz).any() and nz.any()
    np.testing.assert_allclose(g[nz] + alpha * r * np.sign(coef[nz]), 0, atol=1e-7)
    assert np.all(np.abs(g[~nz]) <= alpha * r + 1e-8)
    # l1_ratio=0 is scikit-learn's L2 model.
    a = franca("PoissonRegressor", X, y, alpha=alpha, l1_ratio=0.0).attribute("coef_")
    np.testing.assert_allclose(a, franca("PoissonRegressor", X, y, alpha=alpha).attribute("coef_"), rtol=1e-6)


def test_warm_start_continues():
    X, y = counts()
    est = Estimator("PoissonRegressor", tol=1e-10, max_iter=3, warm_start=True)
    for _ in range(30):
        est.fit(X, y)
    ref = reference("PoissonRegressor", X, y)
    np.testing.assert_allclose(est.attribute("coef_"), ref.coef_, rtol=1e-4, atol=1e-7)


def test_score_is_d2_as_scikit_learn():
    import franca as fr
    X, y = counts()
    for name, params, (Xs, ys) in [("PoissonRegressor", {}, (X, y)), ("GammaRegressor", {}, diabetes()),
                                   ("TweedieRegressor", {"power": 1.5}, diabetes()),
                                   ("TweedieRegressor", {"power": 0}, diabetes())]:
        ours = getattr(fr.linear_model, name)(**TIGHT, **params).fit(Xs, ys)
        theirs = getattr(sk, name)(**TIGHT, **params).fit(Xs, ys)
        assert abs(ours.score(Xs, ys) - theirs.score(Xs, ys)) <= 1e-6, name


def assert_fails(status, fragment, fn, *args, **kwargs):
    with pytest.raises(FrancaError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, info.value
    assert fragment in str(info.value), info.value


def test_bad_inputs_are_named_errors():
    X, y = diabetes()
    assert_fails(_capi.INVALID_ARGUMENT, "y: Some value(s) of y are out of the valid range of the loss "
                 "'HalfPoissonLoss' (y[0] = -151", franca, "PoissonRegressor", X, -y)
    y0 = y.copy()
    y0[5] = 0
    assert_fails(_capi.INVALID_ARGUMENT, "out of the valid range of the loss 'HalfGammaLoss' (y[5] = 0",
                 franca, "GammaRegressor", X, y0)
    assert_fails(_capi.INVALID_ARGUMENT, "out of the valid range of the loss 'HalfTweedieLoss'",
                 franca, "TweedieRegressor", X, y0, power=2.5)
    franca("TweedieRegressor", X, y0, power=1.5)  # y >= 0 is fine below power 2
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'power': no Tweedie distribution exists for 0 < power < 1",
                 Estimator, "TweedieRegressor", power=0.5)
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'l1_ratio': must be <= 1", Estimator, "PoissonRegressor",
                 l1_ratio=1.5)
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'alpha': must be >= 0", Estimator, "GammaRegressor", alpha=-1)
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'link': must be one of", Estimator, "TweedieRegressor",
                 link="logit")
    assert_fails(_capi.INVALID_ARGUMENT, "parameter 'l1_ratio': solver 'newton-cholesky' takes the L2 penalty "
                 "only; l1_ratio=0.5 needs solver='lbfgs'", franca, "PoissonRegressor", X, y, solver="newton-cholesky",
                 l1_ratio=0.5)
    assert_fails(_capi.INVALID_ARGUMENT, "weights are zero; sample weights must contain at least one non-zero",
                 franca, "PoissonRegressor", X, y, np.zeros(len(y)))
    assert_fails(_capi.INVALID_ARGUMENT, "y: expected a 1-D array of targets", franca, "PoissonRegressor", X,
                 np.c_[y, y])


# ------------------------------------------------------------------ newton-cholesky


NEWTON = {"solver": "newton-cholesky"}


@pytest.mark.parametrize("alpha", [0.0, 1e-3, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_newton_cholesky_poisson_counts(alpha, fit_intercept):
    X, y = counts()
    est, _ = assert_same_model("PoissonRegressor", X, y, alpha=alpha, fit_intercept=fit_intercept, **NEWTON)
    assert int(est.attribute("n_iter_")) <= 10


@pytest.mark.parametrize("name,params", [("GammaRegressor", {"alpha": 1e-3}), ("TweedieRegressor", {"power": 0}),
                                         ("TweedieRegressor", {"power": 1.5, "alpha": 0.01}),
                                         ("TweedieRegressor", {"power": 3, "link": "log", "alpha": 0.01}),
                                         ("TweedieRegressor", {"power": 1.5, "link": "identity", "alpha": 0.01})])
def test_newton_cholesky_diabetes(name, params):
    X, y = diabetes()
    assert_same_model(name, X, y, **params, **NEWTON)


@pytest.mark.parametrize("name,params,X_y", [("PoissonRegressor", {"alpha": 1e-3}, counts),
                                             ("GammaRegressor", {"alpha": 0.01}, diabetes),
                                             ("TweedieRegressor", {"power": 1.5, "alpha": 0.01}, diabetes)])
@pytest.mark.parametrize("tol", [1e-4, 1e-8])
def test_newton_cholesky_iterations_as_scikit_learn(name, params, X_y, tol):
    """The same algorithm: the same number of Newton steps to the same tol, weighted or not."""
    X, y = X_y()
    w = np.random.default_rng(4).uniform(0, 2, len(y))
    for sample_weight in [None, w]:
        est = Estimator(name, tol=tol, **params, **NEWTON).fit(X, y, sample_weight)
        ref = getattr(sk, name)(tol=tol, **params, **NEWTON).fit(X, y, sample_weight=sample_weight)
        assert int(est.attribute("n_iter_")) == ref.n_iter_, (name, params, tol)
        np.testing.assert_allclose(est.attribute("coef_"), ref.coef_, rtol=1e-6, atol=1e-8 + 10 * tol)


def test_newton_cholesky_sample_weight_csr_float32():
    X, y = counts()
    X = X.copy()
    X[np.abs(X) < 0.5] = 0
    w = np.random.default_rng(1).uniform(0, 3, len(y))
    w[:10] = 0
    assert_same_model("PoissonRegressor", X, y, w, alpha=0.01, **NEWTON)
    dense = franca("PoissonRegressor", X, y, w, alpha=0.01, **NEWTON)
    csr = franca("PoissonRegressor", sp.csr_matrix(X), y, w, alpha=0.01, **NEWTON)
    np.testing.assert_allclose(csr.attribute("coef_"), dense.attribute("coef_"), rtol=SAME_MODEL_RTOL, atol=1e-12)
    single = franca("PoissonRegressor", X.astype(np.float32), y, w, alpha=0.01, **NEWTON)
    ref = reference("PoissonRegressor", X, y, w, alpha=0.01)
    assert np.abs(single.attribute("coef_") - ref.coef_).max() <= FLOAT32_RTOL * np.abs(ref.coef_).max()


def test_newton_cholesky_negative_pointwise_hessian_falls_back_as_scikit_learn():
    """Tweedie power 3 started where most rows' second derivative is negative: both warn at the
    first iteration and finish with L-BFGS, at the same optimum."""
    import franca as fr

    X, y = diabetes()
    y = y.copy() * 1e-3
    y[::2] *= 1e4
    params = {"power": 3, "link": "log", "alpha": 0.01, "tol": 1e-8, "max_iter": 1000, **NEWTON}
    message = "detected a pointwise hessian with many negative values at iteration #1"
    with pytest.warns(Warning, match=message):
        ref = sk.TweedieRegressor(**params).fit(X, y)
    est = fr.linear_model.TweedieRegressor(**params)
    with pytest.warns(Warning, match=message):
        est.fit(X, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-4, atol=1e-8)


def test_newton_cholesky_singular_hessian_falls_back_as_scikit_learn():
    import franca as fr

    X, y = counts()
    X = np.c_[X, X[:, :1]]  # a repeated column, without a penalty
    params = {"alpha": 0.0, "tol": 1e-8, **NEWTON}
    # scipy may solve the first, exactly singular, system (scikit-learn 1.2's does) and stop at the next.
    message = "stumbled upon a singular or very ill-conditioned Hessian matrix at iteration"
    with pytest.warns(Warning, match=message):
        ref = sk.PoissonRegressor(**params).fit(X, y)
    est = fr.linear_model.PoissonRegressor(**params)
    with pytest.warns(LinAlgWarning, match=message + " 1"):  # scikit-learn's class too
        est.fit(X, y)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-6)


def test_newton_cholesky_warns_at_max_iter():
    from sklearn.exceptions import ConvergenceWarning

    import franca as fr

    X, y = diabetes()
    est = fr.linear_model.GammaRegressor(max_iter=1, **NEWTON)
    with pytest.warns(ConvergenceWarning, match="Newton solver did not converge after 1 iterations"):
        est.fit(X, y)
    assert est.n_iter_ == 1
