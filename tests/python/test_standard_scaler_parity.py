"""StandardScaler against scikit-learn's on real data: Fashion-MNIST pixels as a sparse matrix (four
in ten stored), CPS1988 wages with values knocked out to NaN, fit in one call and by partial_fit in
batches, weighted or not, and transform with copy=False. Run with FRANCA_LIBRARY=path/to/libfranca.so
(scripts/bootstrap.sh installs the data sets in test mode)."""
import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.preprocessing
from numpy.testing import assert_allclose

import _datasets
from franca.preprocessing import StandardScaler

RTOL = 1e-10  # float64 sums in another order than scikit-learn's
ATTRIBUTES = ("mean_", "var_", "scale_", "n_samples_seen_")


def _data(name):
    try:
        if name == "fashion_mnist_csr":
            X = _datasets.fashion_mnist()[0][:6000].reshape(6000, -1).astype(np.float64)
            return sp.csr_matrix(X)
        X = _datasets.cps1988()[0]
    except _datasets.DatasetMissing as missing:
        pytest.skip(str(missing))
    X = X.copy()
    X[np.random.default_rng(3).random(X.shape) < 0.1] = np.nan
    return X


def _assert_same_state(mine, ref, context):
    for name in ATTRIBUTES:
        expected = getattr(ref, name)
        if expected is None:
            assert getattr(mine, name) is None, f"{context}: {name} is not None"
        else:
            assert_allclose(getattr(mine, name), expected, rtol=RTOL, atol=1e-12, err_msg=f"{context}: {name}")


@pytest.mark.parametrize("data", ["fashion_mnist_csr", "cps1988_with_nan"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("with_std", [True, False])
def test_fit_and_partial_fit_match_scikit_learn(data, weighted, with_std):
    X = _data(data)
    w = np.random.default_rng(0).uniform(0.1, 3, X.shape[0]) if weighted else None
    # scikit-learn sums weights where a feature has a value, except without mean and std on dense
    # X, where it counts rows (the one case left out: its documentation says the weights' sum)
    if not with_std and weighted and not sp.issparse(X):
        pytest.skip("scikit-learn counts rows, not weights, without mean and std on dense X")
    params = {"with_mean": not sp.issparse(X), "with_std": with_std}
    context = f"{data}, weighted={weighted}, {params}"
    mine = StandardScaler(**params).fit(X, sample_weight=w)
    ref = sklearn.preprocessing.StandardScaler(**params).fit(X, sample_weight=w)
    _assert_same_state(mine, ref, context)
    Z, Z_ref = mine.transform(X), ref.transform(X)
    if sp.issparse(X):
        assert Z.nnz == Z_ref.nnz, "every stored entry is kept, as scikit-learn keeps them"
        Z, Z_ref = Z.toarray(), Z_ref.toarray()
    assert_allclose(Z, Z_ref, rtol=1e-9, atol=1e-12, err_msg=context)  # NaN where X has NaN, in both
    mine, ref = StandardScaler(**params), sklearn.preprocessing.StandardScaler(**params)
    for rows in np.array_split(np.arange(X.shape[0]), 5):
        weights = None if w is None else w[rows]
        mine.partial_fit(X[rows], sample_weight=weights)
        ref.partial_fit(X[rows], sample_weight=weights)
    _assert_same_state(mine, ref, context + ", partial_fit in 5 batches")


def test_copy_false_overwrites_x_as_scikit_learn():
    X = _data("cps1988_with_nan")
    scaler = StandardScaler().fit(X)
    expected = scaler.transform(X)
    kept = X.copy()
    assert scaler.transform(X, copy=True) is not X
    assert_allclose(X, kept)
    assert scaler.transform(X, copy=False) is X
    assert_allclose(X, expected)
    assert StandardScaler(copy=False).fit(kept).transform(kept) is kept
    sparse = _data("fashion_mnist_csr")
    out = StandardScaler(with_mean=False).fit(sparse).transform(sparse, copy=False)
    assert out is sparse


def test_sparse_centring_and_a_new_feature_count_are_named_errors():
    sparse = _data("fashion_mnist_csr")
    with pytest.raises(ValueError, match="Cannot center sparse matrices: pass `with_mean=False`"):
        StandardScaler().fit(sparse)
    scaler = StandardScaler(with_mean=False).partial_fit(sparse)
    with pytest.raises(ValueError, match="X has 783 features, but StandardScaler is expecting 784 features"):
        scaler.partial_fit(sparse[:, 1:])
