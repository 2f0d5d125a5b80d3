"""ElasticNet and Lasso against scikit-learn 1.2.1: the objective value at a tight tolerance
(within OBJ_RTOL), the sparsity pattern, multi-target y, sample_weight, positive, reproducible
selection='random', and the same model from dense and CSR X. Data: diabetes (dense) and a
TF-IDF of text (CSR, 2**16 hashed columns: the residual form) made from the licence texts of
/usr/share/common-licenses. Run with FRANCA_LIBRARY=path/to/libfranca.so."""
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import ElasticNet, Lasso

import _capi
from _capi import Estimator, FrancaError

OBJ_RTOL = 1e-8  # objective value against scikit-learn's, both at TIGHT
TIGHT = dict(tol=1e-12, max_iter=100000)
SKLEARN = {"ElasticNet": ElasticNet, "Lasso": Lasso}


def objective(X, y, w, coef, intercept, alpha, l1_ratio):
    """scikit-learn's: 1/2 mean_S ||y - Xw - b||^2 + alpha l1_ratio |w|_1 + alpha (1 - l1_ratio)/2 ||w||^2,
    summed over the targets."""
    Y = y.reshape(len(y), -1)
    W = np.atleast_2d(coef)
    s = np.ones(len(y)) if w is None else w / w.sum() * len(y)
    R = Y - X @ W.T - np.reshape(intercept, (1, -1))
    return (0.5 * (s[:, None] * R**2).sum() / len(y) + alpha * l1_ratio * np.abs(W).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (W**2).sum())


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


_TFIDF = None


def tfidf():
    """(X CSR 2**16 columns, y), y from 40 of the columns that occur plus noise."""
    global _TFIDF
    if _TFIDF is None:
        docs = []
        for path in sorted(Path("/usr/share/common-licenses").glob("*")):
            if path.is_file():
                lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
                docs += [" ".join(lines[i:i + 4]) for i in range(0, len(lines), 4)]
        docs = docs[:1500]
        counts = HashingVectorizer(n_features=2**16, alternate_sign=False, norm=None).transform(docs)
        X = TfidfTransformer().fit_transform(counts).tocsr()
        X.sort_indices()
        rng = np.random.default_rng(0)
        used = np.flatnonzero(np.diff(X.tocsc().indptr) >= 5)
        beta = np.zeros(X.shape[1])
        beta[rng.choice(used, 40, replace=False)] = rng.normal(size=40) * 3
        y = X @ beta + 0.05 * rng.normal(size=X.shape[0]) + 1.0
        _TFIDF = (X, y)
    return _TFIDF


def fit_both(name, X, y, w=None, **params):
    ours = Estimator(name, **params).fit(X, y, w)
    ref = SKLEARN[name](**params).fit(X, y, sample_weight=w)
    return ours, ref


def compare(ours, ref, X, y, w, alpha, l1_ratio, coef_atol=1e-6):
    f_ours = objective(X, y, w, ours.attribute("coef_"), ours.attribute("intercept_"), alpha, l1_ratio)
    f_ref = objective(X, y, w, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert f_ours <= f_ref * (1 + OBJ_RTOL), (f_ours, f_ref)
    assert abs(f_ours - f_ref) <= OBJ_RTOL * abs(f_ref), (f_ours, f_ref)
    coef = ours.attribute("coef_")
    assert coef.shape == ref.coef_.shape
    np.testing.assert_array_equal(coef != 0, ref.coef_ != 0)
    np.testing.assert_allclose(coef, ref.coef_, atol=coef_atol)
    assert np.shape(ours.attribute("intercept_")) == np.shape(ref.intercept_)
    assert np.shape(ours.attribute("dual_gap_")) == np.shape(ref.dual_gap_)


@pytest.mark.parametrize("name,alpha,l1_ratio", [("Lasso", 0.1, 1.0), ("Lasso", 0.01, 1.0),
                                                 ("ElasticNet", 0.01, 0.5), ("ElasticNet", 0.001, 0.2)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_diabetes(name, alpha, l1_ratio, weighted, fit_intercept):
    X, y = diabetes()
    w = np.random.default_rng(1).uniform(0.1, 3.0, len(y)) if weighted else None
    params = dict(alpha=alpha, fit_intercept=fit_intercept, **TIGHT)
    if name == "ElasticNet":
        params["l1_ratio"] = l1_ratio
    ours, ref = fit_both(name, X, y, w, **params)
    compare(ours, ref, X, y, w, alpha, l1_ratio, coef_atol=1e-5 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.apply("predict", X), ref.predict(X), rtol=1e-6)


def test_diabetes_iterations_and_gap_at_the_default_tolerance():
    X, y = diabetes()
    for alpha in (0.01, 0.1, 1.0):
        ours, ref = fit_both("ElasticNet", X, y, alpha=alpha, l1_ratio=0.7)
        # The same cyclic iterations in another form: the sweep counts agree up to rounding.
        assert abs(int(ours.attribute("n_iter_")) - ref.n_iter_) <= 1, (alpha, ours.attribute("n_iter_"), ref.n_iter_)
        np.testing.assert_allclose(ours.attribute("dual_gap_"), ref.dual_gap_, rtol=1e-3, atol=1e-12)


def test_multi_target_positive_and_float32():
    X, y = diabetes()
    Y = np.column_stack([y, -y + 50 * X[:, 2], X[:, 3] * 100])
    for positive in (False, True):
        ours, ref = fit_both("ElasticNet", X, Y, alpha=0.005, l1_ratio=0.6, positive=positive, **TIGHT)
        assert ours.attribute("coef_").shape == (3, X.shape[1])
        assert ours.attribute("n_iter_").shape == (3,)
        compare(ours, ref, X, Y, None, 0.005, 0.6, coef_atol=1e-4)
        if positive:
            assert (ours.attribute("coef_") >= 0).all()
    ours32 = Estimator("Lasso", alpha=0.05, **TIGHT).fit(X.astype(np.float32), y.astype(np.float32))
    ref = Lasso(alpha=0.05, **TIGHT).fit(X, y)
    assert ours32.attribute("coef_").dtype == np.float32
    np.testing.assert_allclose(ours32.attribute("coef_"), ref.coef_, rtol=1e-4, atol=1e-3)


def test_y_with_one_column_keeps_scikit_learns_shapes():
    X, y = diabetes()
    ours, ref = fit_both("Lasso", X, y[:, None], alpha=0.1)
    for attribute in ("coef_", "intercept_", "dual_gap_", "n_iter_"):
        assert np.shape(ours.attribute(attribute)) == np.shape(getattr(ref, attribute)), attribute
    assert ours.apply("predict", X).shape == ref.predict(X).shape
    loaded = Estimator.load(ours.save())  # the loader's shape checks accept (1,) intercept_
    np.testing.assert_array_equal(loaded.apply("predict", X), ours.apply("predict", X))


def test_random_selection_is_reproducible_and_converges():
    X, y = diabetes()
    a = Estimator("Lasso", alpha=0.01, selection="random", random_state=7, **TIGHT).fit(X, y)
    b = Estimator("Lasso", alpha=0.01, selection="random", random_state=7, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(a.attribute("coef_"), b.attribute("coef_"))
    ref = Lasso(alpha=0.01, selection="random", random_state=7, **TIGHT).fit(X, y)
    compare(a, ref, X, y, None, 0.01, 1.0, coef_atol=1e-3)


@pytest.mark.parametrize("name,alpha,l1_ratio", [("Lasso", 2e-4, 1.0), ("ElasticNet", 5e-4, 0.5)])
@pytest.mark.parametrize("weighted", [False, True])
def test_tfidf_wide_csr(name, alpha, l1_ratio, weighted):
    X, y = tfidf()
    w = np.random.default_rng(2).uniform(0.2, 2.0, len(y)) if weighted else None
    params = dict(alpha=alpha, **TIGHT)
    if name == "ElasticNet":
        params["l1_ratio"] = l1_ratio
    ours, ref = fit_both(name, X, y, w, **params)
    assert 0 < np.count_nonzero(ref.coef_) < 500
    compare(ours, ref, X, y, w, alpha, l1_ratio, coef_atol=1e-5)


def test_tfidf_positive_and_multi_target():
    X, y = tfidf()
    Y = np.column_stack([y, y[::-1]])
    ours, ref = fit_both("Lasso", X, Y, alpha=3e-4, positive=True, **TIGHT)
    compare(ours, ref, X, Y, None, 3e-4, 1.0, coef_atol=1e-5)


def test_dense_and_csr_give_the_same_model():
    X, y = diabetes()
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.03] = 0  # sparse enough to matter, with non-zero column means
    w = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    params = dict(alpha=0.01, l1_ratio=0.8, **TIGHT)
    dense = Estimator("ElasticNet", **params).fit(Xs, y, w)
    sparse = Estimator("ElasticNet", **params).fit(sp.csr_matrix(Xs), y, w)
    for attribute in ("coef_", "intercept_"):
        np.testing.assert_allclose(sparse.attribute(attribute), dense.attribute(attribute), rtol=1e-7, atol=1e-7)
    # Wide: the residual form from dense and from CSR X.
    Xw, yw = tfidf()
    Xw, yw = Xw[:400, :6000], yw[:400]
    params = dict(alpha=2e-4, **TIGHT)
    a = Estimator("Lasso", **params).fit(Xw, yw)
    b = Estimator("Lasso", **params).fit(Xw.toarray(), yw)
    assert np.count_nonzero(a.attribute("coef_")) > 0
    np.testing.assert_allclose(a.attribute("coef_"), b.attribute("coef_"), atol=1e-9)


def test_sparse_coef_through_the_binding():
    import franca
    X, y = diabetes()
    for Y in (y, np.column_stack([y, -y])):
        ours = franca.linear_model.Lasso(alpha=0.5).fit(X, Y)
        ref = Lasso(alpha=0.5).fit(X, Y)
        assert sp.issparse(ours.sparse_coef_) and ours.sparse_coef_.shape == ref.sparse_coef_.shape
        np.testing.assert_allclose(ours.sparse_coef_.toarray(), ref.sparse_coef_.toarray(), rtol=1e-5, atol=1e-6)
    assert not hasattr(franca.linear_model.Ridge().fit(X, y), "sparse_coef_")


def test_invalid_parameters():
    X, y = diabetes()
    with pytest.raises(FrancaError) as info:
        Estimator("ElasticNet", alpha=-1.0)
    assert info.value.status == _capi.INVALID_ARGUMENT and "alpha" in info.value.message
    with pytest.raises(FrancaError) as info:
        Estimator("ElasticNet", l1_ratio=1.5)
    assert info.value.status == _capi.INVALID_ARGUMENT and "l1_ratio" in info.value.message
    with pytest.raises(FrancaError) as info:
        Estimator("Lasso", precompute=np.eye(3).tolist()).fit(np.ones((4, 2)), np.arange(4.0))
    assert info.value.status == _capi.INVALID_ARGUMENT and "precompute: a Gram matrix of shape (3, 3)" in \
        info.value.message


def multi_task_objective(X, Y, W, b, alpha, l1_ratio, w=None):
    """scikit-learn's MultiTaskElasticNet objective: 1/2 mean_S ||Y - X W^T - b||^2 + alpha l1_ratio
    sum_j ||W_:j||_2 + alpha (1 - l1_ratio)/2 ||W||^2."""
    s = np.ones(len(Y)) if w is None else w / w.sum() * len(Y)
    R = Y - X @ W.T - b
    return (0.5 * (s[:, None] * R**2).sum() / len(Y) + alpha * l1_ratio * np.linalg.norm(W, axis=0).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (W**2).sum())


@pytest.mark.parametrize("name", ["MultiTaskElasticNet", "MultiTaskLasso"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kind", ["dense", "csr", "csr_weighted"])
def test_multi_task(name, fit_intercept, kind):
    """MultiTaskElasticNet and MultiTaskLasso (franca's Python classes) against scikit-learn's on
    diabetes with three targets: coef_, intercept_ and each objective (computed here), n_iter_ and
    dual_gap_ at the default tolerance; CSR X and sample_weight against scikit-learn 1.9's (which
    takes them; 1.2 only dense X without weights, so CSR is checked against dense there)."""
    import sklearn
    import sklearn.linear_model as sk
    from franca import linear_model as fr
    X, y = diabetes()
    Y = np.column_stack([y, 0.5 * y + 2000 * X[:, 2], 50 * np.sin(np.arange(len(y)))])
    params = dict(alpha=0.05, fit_intercept=fit_intercept, **({"l1_ratio": 0.4} if name == "MultiTaskElasticNet" else {}))
    w = np.linspace(0.5, 2.0, len(y)) if kind == "csr_weighted" else None
    Xf = sp.csr_matrix(X) if kind != "dense" else X
    ours = getattr(fr, name)(**params, **TIGHT).fit(Xf, Y, sample_weight=w)
    new_sklearn = tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 9)
    ref = getattr(sk, name)(**params, **TIGHT)
    if new_sklearn:
        ref.fit(Xf, Y, sample_weight=w)
    elif w is None:
        ref.fit(X, Y)
    else:
        return  # scikit-learn before 1.9 takes no sample_weight here
    assert ours.coef_.shape == ref.coef_.shape == (3, X.shape[1]) and ours.intercept_.shape == (3,)
    l1_ratio = params.get("l1_ratio", 1.0)
    f_ours = multi_task_objective(X, Y, ours.coef_, ours.intercept_, params["alpha"], l1_ratio, w)
    f_ref = multi_task_objective(X, Y, ref.coef_, ref.intercept_, params["alpha"], l1_ratio, w)
    assert f_ours <= f_ref * (1 + OBJ_RTOL)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6 * np.abs(ref.intercept_).max() + 1e-9)
    np.testing.assert_allclose(ours.predict(Xf), ref.predict(Xf), rtol=1e-6, atol=1e-6)
    if kind == "dense":  # the default tolerance: the same sweeps and gap as scikit-learn's
        ours, ref = getattr(fr, name)(**params).fit(X, Y), getattr(sk, name)(**params).fit(X, Y)
        assert ours.n_iter_ == ref.n_iter_
        assert ours.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-6, abs=1e-12)
        assert ours.eps_ == pytest.approx(ref.eps_, rel=1e-12)
