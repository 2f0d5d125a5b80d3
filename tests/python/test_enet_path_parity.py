"""franca.linear_model.enet_path and lasso_path against scikit-learn's functions, on the installed
scikit-learn (1.2.1 on Debian's python3, 1.9 in the newest stack): the alphas of the grid (eps and
n_alphas, or given), each alpha's objective within OBJ_RTOL of scikit-learn's at a tight tolerance,
the coefficients within the tolerance that implies, the dual gaps and sweep counts at the default
tolerance; dense and CSR X (with sample_weight, X_offset and X_scale), positive, a given Gram
matrix and Xy, coef_init, return_n_iter, float32, the multi-task path of a 2-D y, and the named
refusals.
Run with FRANCA_LIBRARY=path/to/libfranca.so."""
import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model
from sklearn.datasets import load_diabetes

import _capi  # noqa: F401 - puts bindings/python on the path
from franca.linear_model import enet_path, lasso_path

OBJ_RTOL = 1e-8  # each alpha's objective against scikit-learn's, both at TIGHT
TIGHT = dict(tol=1e-12, max_iter=100000)
# scikit-learn 1.9 takes the number of alphas as `alphas` (n_alphas is deprecated).
NEW_GRID = inspect.signature(sklearn.linear_model.enet_path).parameters["n_alphas"].default == "deprecated"
GAP_BEFORE_FIRST_SWEEP = tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 8)


def grid(n):
    return {"alphas": n} if NEW_GRID else {"n_alphas": n}


def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y - 100.0  # no intercept is fitted: an offset target keeps it a real test


def sparse_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(150, 25, density=0.25, format="csr", random_state=seed) * 3.0
    beta = np.zeros(25)
    beta[rng.choice(25, 8, replace=False)] = rng.normal(size=8) * 2
    y = X @ beta + 0.1 * rng.normal(size=150)
    return X, y


def objective(X, y, coef, alpha, l1_ratio, sample_weight=None, centre=None):
    """scikit-learn's path objective: 1/(2n) sum_i s_i (y_i - (x_i - c)^T w)^2 + alpha l1_ratio ||w||_1
    + alpha (1 - l1_ratio)/2 ||w||^2 (s and c: CSR X's sample_weight and X_offset / X_scale)."""
    Xd = X.toarray() if sp.issparse(X) else X
    if centre is not None:
        Xd = Xd - centre
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    r = y - Xd @ coef
    return (0.5 * (s * r**2).sum() / len(y) + alpha * l1_ratio * np.abs(coef).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (coef**2).sum())


def compare(ours, ref, X, y, l1_ratio, sample_weight=None, centre=None, alpha_rtol=1e-12):
    """Asserts parity of two paths; returns (max coefficient difference, max relative objective gap)."""
    alphas, coefs, gaps = ours[:3]
    ref_alphas, ref_coefs, ref_gaps = ref[:3]
    np.testing.assert_allclose(alphas, ref_alphas, rtol=alpha_rtol)
    assert coefs.shape == ref_coefs.shape and coefs.dtype == ref_coefs.dtype, (coefs.shape, coefs.dtype)
    assert gaps.shape == ref_gaps.shape
    worst = 0.0
    for k, alpha in enumerate(ref_alphas):
        f = objective(X, y, coefs[:, k].astype(np.float64), alpha, l1_ratio, sample_weight, centre)
        f_ref = objective(X, y, ref_coefs[:, k].astype(np.float64), alpha, l1_ratio, sample_weight, centre)
        assert abs(f - f_ref) <= OBJ_RTOL * abs(f_ref), (k, alpha, f, f_ref)
        worst = max(worst, abs(f - f_ref) / abs(f_ref))
    # The objective within OBJ_RTOL bounds the coefficients by sqrt(OBJ_RTOL f / curvature): as
    # ElasticNet's parity test, 1e-5 of the largest coefficient.
    diff = np.abs(coefs - ref_coefs).max()
    assert diff <= 1e-5 * max(np.abs(ref_coefs).max(), 1.0), diff
    return diff, worst


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.2])
@pytest.mark.parametrize("precompute", ["auto", True, False])
def test_dense_grid(l1_ratio, precompute):
    X, y = diabetes()
    ours = enet_path(X, y, l1_ratio=l1_ratio, eps=1e-3, precompute=precompute, **grid(30), **TIGHT)
    ref = sklearn.linear_model.enet_path(X, y, l1_ratio=l1_ratio, eps=1e-3, precompute=precompute, **grid(30),
                                         **TIGHT)
    assert len(ours) == 3
    compare(ours, ref, X, y, l1_ratio)


def test_given_alphas_are_sorted_and_lasso_path_is_l1_ratio_one():
    X, y = diabetes()
    alphas = [0.5, 0.01, 2.0, 0.1]
    ours = lasso_path(X, y, alphas=alphas, **TIGHT)
    ref = sklearn.linear_model.lasso_path(X, y, alphas=alphas, **TIGHT)
    np.testing.assert_array_equal(ours[0], [2.0, 0.5, 0.1, 0.01])
    compare(ours, ref, X, y, 1.0)
    single = enet_path(X, y, l1_ratio=0.7, alphas=[0.3], **TIGHT)
    compare(single, sklearn.linear_model.enet_path(X, y, l1_ratio=0.7, alphas=[0.3], **TIGHT), X, y, 0.7)


def test_positive():
    X, y = diabetes()
    for l1_ratio in (1.0, 0.6):
        ours = enet_path(X, y, l1_ratio=l1_ratio, positive=True, eps=1e-2, **grid(15), **TIGHT)
        ref = sklearn.linear_model.enet_path(X, y, l1_ratio=l1_ratio, positive=True, eps=1e-2, **grid(15), **TIGHT)
        assert (ours[1] >= 0).all()
        compare(ours, ref, X, y, l1_ratio)


def test_given_gram_and_xy():
    X, y = diabetes()
    gram, xy = X.T @ X, X.T @ y
    ours = enet_path(X, y, l1_ratio=0.8, precompute=gram, Xy=xy, **grid(20), **TIGHT)
    ref = sklearn.linear_model.enet_path(X, y, l1_ratio=0.8, precompute=gram, Xy=xy, **grid(20), **TIGHT)
    compare(ours, ref, X, y, 0.8)
    # Xy is the fits' q in the Gram form, and only the grid's otherwise: a scaled Xy moves both.
    for precompute in (True, False):
        ours = enet_path(X, y, precompute=precompute, Xy=2 * xy, **grid(10), **TIGHT)
        ref = sklearn.linear_model.enet_path(X, y, precompute=precompute, Xy=2 * xy, **grid(10), **TIGHT)
        np.testing.assert_allclose(ours[0], ref[0], rtol=1e-12)
        np.testing.assert_allclose(ours[1], ref[1], atol=1e-5 * np.abs(ref[1]).max())
    with pytest.raises(ValueError, match="did not pass validation"):
        enet_path(X, y, precompute=gram + 1.0, **grid(3))


def test_coef_init_and_return_n_iter():
    X, y = diabetes()
    start = np.linspace(-50, 50, X.shape[1])
    ours = enet_path(X, y, alphas=[1.0, 0.1], coef_init=start, return_n_iter=True, **TIGHT)
    ref = sklearn.linear_model.enet_path(X, y, alphas=[1.0, 0.1], coef_init=start, return_n_iter=True, **TIGHT)
    assert len(ours) == 4 and isinstance(ours[3], list) and all(isinstance(k, int) for k in ours[3])
    compare(ours, ref, X, y, 0.5)


def test_dual_gaps_and_sweeps_at_the_default_tolerance():
    X, y = diabetes()
    ours = enet_path(X, y, l1_ratio=0.7, return_n_iter=True, **grid(20))
    ref = sklearn.linear_model.enet_path(X, y, l1_ratio=0.7, return_n_iter=True, **grid(20))
    # The same cyclic iterations in another form: the sweep counts agree up to rounding. At
    # alpha_max the zeros are the solution: franca checks the gap before the first sweep (as
    # scikit-learn >= 1.8) and reports 0 sweeps; scikit-learn 1.2 sweeps once or twice there,
    # depending on its BLAS's rounding.
    assert ours[3][0] == 0
    first = 0 if GAP_BEFORE_FIRST_SWEEP else 1
    for a, b in zip(ours[3][first:], ref[3][first:]):
        assert abs(a - b) <= 1, (ours[3], ref[3])
    np.testing.assert_allclose(ours[2], ref[2], rtol=1e-3, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("centred", [False, True])
def test_csr(weighted, centred):
    X, y = sparse_problem()
    rng = np.random.default_rng(3)
    params = dict(TIGHT)
    w = centre = None
    if weighted:
        w = params["sample_weight"] = rng.uniform(0.2, 2.0, len(y))
    if centred:
        # The centre is the (weighted) column mean and y is centred, as ElasticNet.fit passes them:
        # scikit-learn 1.9's sparse descent requires both (it diverges otherwise).
        centre = np.average(X.toarray(), axis=0, weights=w)
        y = y - np.average(y, weights=w)
        scale = rng.uniform(0.5, 2.0, X.shape[1])
        params.update(X_offset=centre * scale, X_scale=scale)
    for l1_ratio in (1.0, 0.5):
        ours = enet_path(X, y, l1_ratio=l1_ratio, eps=1e-2, **grid(15), **params)
        ref = sklearn.linear_model.enet_path(X, y, l1_ratio=l1_ratio, eps=1e-2, **grid(15), **params)
        compare(ours, ref, X, y, l1_ratio, w, centre)


def test_csr_ignores_gram_and_dense_ignores_weights():
    X, y = sparse_problem(1)
    bogus = np.eye(X.shape[1])
    ours = enet_path(X, y, precompute=bogus, Xy=np.ones(X.shape[1]), **grid(8), **TIGHT)
    ref = sklearn.linear_model.enet_path(X, y, precompute=bogus, Xy=np.ones(X.shape[1]), **grid(8), **TIGHT)
    compare(ours, ref, X, y, 0.5)
    Xd, yd = diabetes()
    weighted = enet_path(Xd, yd, sample_weight=np.arange(len(yd), dtype=float), **grid(5), **TIGHT)
    plain = enet_path(Xd, yd, **grid(5), **TIGHT)
    np.testing.assert_array_equal(weighted[1], plain[1])


def test_float32():
    X, y = diabetes()
    ours = enet_path(X.astype(np.float32), y.astype(np.float32), **grid(10), **TIGHT)
    ref = sklearn.linear_model.enet_path(X.astype(np.float32), y.astype(np.float32), **grid(10), tol=1e-6,
                                         max_iter=100000)
    assert ours[1].dtype == np.float32 and ours[2].dtype == np.float64
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-5)
    np.testing.assert_allclose(ours[1], ref[1], atol=1e-3 * np.abs(ref[1]).max())


def multi_task_objective(X, Y, W, alpha, l1_ratio, sample_weight=None, centre=None):
    """scikit-learn's multi-task path objective: 1/(2n) sum_i s_i ||y_i - W (x_i - c)||^2 + alpha l1_ratio
    sum_j ||W_:j||_2 + alpha (1 - l1_ratio)/2 ||W||_F^2, W of shape (n_targets, n_features)."""
    Xd = X.toarray() if sp.issparse(X) else X
    if centre is not None:
        Xd = Xd - centre
    s = np.ones(len(Y)) if sample_weight is None else sample_weight
    R = Y - Xd @ W.T
    return (0.5 * (s[:, None] * R**2).sum() / len(Y) + alpha * l1_ratio * np.linalg.norm(W, axis=0).sum()
            + 0.5 * alpha * (1 - l1_ratio) * (W**2).sum())


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("kind", ["dense", "csr", "csr_weighted_centred"])
def test_multi_task_path(kind, l1_ratio):
    """A 2-D y: scikit-learn's multi-task path (MultiTaskElasticNet's L2,1 penalty), the grid from
    max_j ||x_j^T Y||_2, coefficients of shape (n_targets, n_features, n_alphas); each alpha's objective
    (computed here) against scikit-learn's, on its dense X (its sparse multi-task descent, with weights
    and centring, is 1.9's), and MultiTaskElasticNet's coef_ at one alpha."""
    X, y = diabetes()
    Y = np.column_stack([y, 0.5 * y + 20 * X[:, 2] * 100, np.sin(np.arange(len(y)))])
    Xf = sp.csr_matrix(X) if kind != "dense" else X
    extra, centre, w = {}, None, None
    if kind == "csr_weighted_centred":
        # the weighted column means and a centred Y, as test_csr (scikit-learn's descent needs both)
        w = np.linspace(0.5, 2.0, len(y))
        centre = np.average(X, axis=0, weights=w)
        Y = Y - np.average(Y, axis=0, weights=w)
        scale = np.linspace(0.5, 2.0, X.shape[1])
        extra = dict(sample_weight=w, X_offset=centre * scale, X_scale=scale)
    ours = enet_path(Xf, Y, l1_ratio=l1_ratio, **grid(8), return_n_iter=True, **extra, **TIGHT)
    assert ours[1].shape == (3, X.shape[1], 8) and len(ours[3]) == 8
    if kind == "csr_weighted_centred" and not GAP_BEFORE_FIRST_SWEEP:
        return  # scikit-learn before 1.8 has no sparse multi-task descent to compare with
    ref = sklearn.linear_model.enet_path(Xf if kind == "csr_weighted_centred" else X, Y, l1_ratio=l1_ratio, **grid(8),
                                         **extra, **TIGHT)
    np.testing.assert_allclose(ours[0], ref[0], rtol=1e-12)
    for a, alpha in enumerate(ours[0]):
        f_ours = multi_task_objective(X, Y, ours[1][:, :, a], alpha, l1_ratio, w, centre)
        f_ref = multi_task_objective(X, Y, ref[1][:, :, a], alpha, l1_ratio, w, centre)
        assert f_ours <= f_ref * (1 + OBJ_RTOL), (a, f_ours, f_ref)
    np.testing.assert_allclose(ours[1], ref[1], atol=1e-6 * np.abs(ref[1]).max())
    if w is None:  # the grid's X^T Y is unweighted and uncentred: its alpha_max zeroes the unweighted fit
        assert np.all(ours[1][:, :, 0] == 0)
    if kind == "dense":
        model = sklearn.linear_model.MultiTaskElasticNet(alpha=ours[0][4], l1_ratio=l1_ratio, fit_intercept=False,
                                                         **TIGHT).fit(X, Y)
        np.testing.assert_allclose(ours[1][:, :, 4], model.coef_, atol=1e-6 * np.abs(model.coef_).max())


def test_refusals_name_the_argument():
    X, y = diabetes()
    with pytest.raises(ValueError, match="positive=True is not allowed for multi-output"):
        enet_path(X, np.column_stack([y, y]), positive=True)
    with pytest.raises(ValueError, match="Unexpected parameters"):
        enet_path(X, y, fit_intercept=True)
    with pytest.raises(ValueError, match="coef_init: expected 10 values"):
        enet_path(X, y, coef_init=np.zeros(3))
    with pytest.raises(ValueError, match="l1_ratio=0"):
        enet_path(X, y, l1_ratio=0.0)


@pytest.mark.skipif(not NEW_GRID, reason="scikit-learn 1.9's deprecation of n_alphas")
def test_deprecated_n_alphas_warns_as_scikit_learn():
    X, y = diabetes()
    with pytest.warns(FutureWarning, match="n_alphas"):
        ours = enet_path(X, y, n_alphas=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(enet_path(X, y, alphas=4)[0], ours[0])
