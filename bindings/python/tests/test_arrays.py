"""Arrays in and out: NumPy, PyTorch, CuPy, scipy.sparse, lists, any DLPack producer; no
copy where none is needed (the same data pointer in, memory shared out)."""
import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import franca
from franca import _convert
from franca.ensemble import RandomForestRegressor
from franca.feature_extraction.text import TfidfTransformer
from franca.linear_model import Ridge
from franca.preprocessing import StandardScaler

torch = pytest.importorskip("torch")


def _from_dlpack(out):
    """Whether a NumPy result is a view of a DLPack tensor (franca's memory), not a copy."""
    return type(out.base).__name__ == "PyCapsule"


@pytest.fixture
def data(rng):
    X = rng.normal(size=(40, 6))
    return X, X @ rng.normal(size=6) + 1.0


# ------------------------------------------------------------------ dense in, same kind out

def test_each_array_kind_in_gives_the_same_kind_out(array_kind, data):
    X, y = data
    ref_model = Ridge(alpha=0.5).fit(X, y)
    model = Ridge(alpha=0.5).fit(array_kind.make(X), array_kind.make(y))
    out = model.predict(array_kind.make(X))
    assert array_kind.is_native(out), f"{array_kind} in gave {type(out)} out"
    assert_allclose(array_kind.to_numpy(out), ref_model.predict(X), rtol=1e-10)
    Z = StandardScaler().fit(array_kind.make(X)).transform(array_kind.make(X))
    assert array_kind.is_native(Z)
    assert_allclose(array_kind.to_numpy(Z), StandardScaler().fit(X).transform(X), rtol=1e-10)


def test_decision_path_indicator_in_the_input_s_sparse_kind(array_kind, data):
    """A forest's decision_path: scikit-learn's int64 indicator, as scipy, PyTorch or cupyx CSR
    (cupyx's holds floating values only: float64 there); n_nodes_ptr in NumPy."""
    X, y = data
    model = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)
    reference, pointers = model.decision_path(X)
    indicator, same_pointers = model.decision_path(array_kind.make(X))
    assert_array_equal(same_pointers, pointers)
    if array_kind.name == "numpy":
        assert sp.issparse(indicator) and indicator.dtype == np.int64
        dense = indicator.toarray()
    elif array_kind.name == "cupy":
        assert indicator.dtype == np.float64
        dense = indicator.toarray().get()
    else:
        assert indicator.layout == torch.sparse_csr and indicator.dtype == torch.int64
        assert indicator.is_cuda == (array_kind.name == "torch_cuda")
        dense = indicator.to_dense().cpu().numpy()
    assert_array_equal(dense, reference.toarray())
    assert (reference.sum(axis=1) >= 3).all()  # a root and a leaf at least, in each of the 3 trees


def test_numpy_input_is_read_in_place(data):
    X, _ = data
    for view in (X, np.asfortranarray(X), X[:, ::2], X[5:25], X.T):
        borrowed = _convert.borrow(view, ["dense"], "test", "auto")
        assert borrowed.tensor.data == view.__array_interface__["data"][0]


def test_strided_views_give_the_same_results(data):
    X, y = data
    model = Ridge().fit(X, y)
    for view in (np.asfortranarray(X), X[::2]):
        assert_allclose(model.predict(view), model.predict(np.ascontiguousarray(view)), rtol=1e-12)
    wide = np.repeat(X, 2, axis=1)[:, ::2]
    assert_allclose(Ridge().fit(wide, y).coef_, model.coef_, rtol=1e-10)


def test_torch_input_is_read_in_place(data):
    X, _ = data
    t = torch.from_numpy(X)
    assert _convert.borrow(t, ["dense"], "test", "auto").tensor.data == t.data_ptr()


def test_outputs_share_franca_memory(data):
    X, y = data
    assert _from_dlpack(Ridge().fit(X, y).predict(X))
    assert _from_dlpack(StandardScaler().fit(X).transform(X))


def test_readonly_and_non_native_inputs(data):
    X, y = data
    ref = Ridge().fit(X, y).predict(X)
    readonly = X.copy()
    readonly.flags.writeable = False
    assert_allclose(Ridge().fit(readonly, y).predict(readonly), ref, rtol=1e-12)
    swapped = X.astype(X.dtype.newbyteorder(">"))  # a copy is needed: franca reads native order
    assert_allclose(Ridge().fit(swapped, y).predict(swapped), ref, rtol=1e-12)


def test_lists_and_integer_arrays_are_converted(data):
    X, y = data
    Xi = np.round(X * 10).astype(np.int64)
    ref = Ridge().fit(Xi.astype(np.float64), y).predict(Xi.astype(np.float64))
    assert_allclose(Ridge().fit(Xi, y).predict(Xi), ref, rtol=1e-12)
    out = Ridge().fit(Xi.tolist(), y.tolist()).predict(Xi.tolist())
    assert isinstance(out, np.ndarray)
    assert_allclose(out, ref, rtol=1e-12)


def test_any_dlpack_producer_is_accepted(data):
    class Producer:  # only the DLPack protocol, like a JAX array on the CPU
        def __init__(self, a):
            self._t = torch.from_numpy(a)

        def __dlpack__(self, stream=None):
            return self._t.__dlpack__()

        def __dlpack_device__(self):
            return self._t.__dlpack_device__()

    X, y = data
    out = Ridge().fit(Producer(X), Producer(y)).predict(Producer(X))
    assert isinstance(out, np.ndarray)
    assert_allclose(out, Ridge().fit(X, y).predict(X), rtol=1e-12)


# ------------------------------------------------------------------ output_type

@pytest.mark.parametrize("where", ["estimator", "global", "context"])
def test_output_type_chooses_the_result_type(data, where):
    X, y = data
    model = Ridge().fit(X, y)
    if where == "estimator":
        model.set_params(output_type="torch")
        out = model.predict(X)
    elif where == "global":
        franca.set_config(output_type="torch")
        out = model.predict(X)
    else:
        with franca.config_context(output_type="torch"):
            out = model.predict(X)
        assert franca.get_config()["output_type"] == "input"
    assert isinstance(out, torch.Tensor)
    assert_allclose(out.numpy(), Ridge().fit(X, y).predict(X), rtol=1e-12)
    model.set_params(output_type="numpy")
    assert isinstance(model.predict(torch.from_numpy(X)), np.ndarray)


# ------------------------------------------------------------------ sparse

def _counts(rng, n=30, d=12):
    X = sp.random(n, d, density=0.3, format="csr", random_state=0, dtype=np.float64)
    X.data = np.ceil(X.data * 5)
    return X


def test_scipy_csr_is_read_in_place(rng):
    X = _counts(rng)
    borrowed = _convert.borrow(X, ["CSR"], "test", "auto")
    indptr, indices, data = borrowed.keep
    assert indptr.tensor.data == X.indptr.ctypes.data
    assert indices.tensor.data == X.indices.ctypes.data
    assert data.tensor.data == X.data.ctypes.data


def test_sparse_in_sparse_out_matches_sklearn(rng):
    from sklearn.feature_extraction.text import TfidfTransformer as Reference
    X = _counts(rng)
    out = TfidfTransformer().fit_transform(X)
    assert isinstance(out, sp.csr_matrix) and isinstance(out, franca.CSRMatrix)
    ref = Reference().fit_transform(X)
    assert_allclose(out.toarray(), ref.toarray(), rtol=1e-10)
    for fmt in ("csc", "coo"):  # converted to CSR first
        assert_allclose(TfidfTransformer().fit_transform(X.asformat(fmt)).toarray(), ref.toarray(), rtol=1e-10)
    assert_allclose(TfidfTransformer().fit_transform(X.toarray()).toarray(), ref.toarray(), rtol=1e-10)


def test_csr_results_are_views_of_franca_memory(rng):
    out = TfidfTransformer().fit_transform(_counts(rng))
    matrix = out.franca_matrix
    assert matrix is not None and matrix.kind == _convert.CSR
    assert np.shares_memory(out.data, np.from_dlpack(matrix.part(_convert.VALUES)))
    assert _convert.conversions["csr->scipy"] >= 1


def test_csr_result_behaves_as_scipy(rng):
    X = _counts(rng)
    out = TfidfTransformer().fit_transform(X)
    dense = out.toarray()
    assert_allclose(out[np.arange(30)[::-1]].toarray(), dense[::-1])
    assert_allclose((out * 2).toarray(), 2 * dense)
    assert_allclose(out.copy().toarray(), dense)
    out.data = out.data * 3  # replacing a part unlinks franca's matrix
    assert out.franca_matrix is None
    assert_allclose(out.toarray(), 3 * dense)
    import pickle
    assert_allclose(pickle.loads(pickle.dumps(TfidfTransformer().fit_transform(X))).toarray(), dense)


def test_torch_sparse_in_torch_sparse_out(rng):
    X = _counts(rng)
    t = torch.sparse_csr_tensor(torch.from_numpy(X.indptr.astype(np.int64)), torch.from_numpy(X.indices.astype(np.int64)),
                                torch.from_numpy(X.data), size=X.shape)
    out = TfidfTransformer().fit_transform(t)
    assert isinstance(out, torch.Tensor) and out.layout == torch.sparse_csr
    assert_allclose(out.to_dense().numpy(), TfidfTransformer().fit_transform(X).toarray(), rtol=1e-12)
    coo = torch.from_numpy(X.toarray()).to_sparse()
    assert_allclose(TfidfTransformer().fit_transform(coo).to_dense().numpy(), out.to_dense().numpy(), rtol=1e-12)


def test_output_type_for_sparse_results(rng):
    X = _counts(rng)
    with franca.config_context(output_type="torch"):
        out = TfidfTransformer().fit_transform(X)
    assert isinstance(out, torch.Tensor) and out.layout == torch.sparse_csr
    t = torch.from_numpy(X.toarray()).to_sparse_csr()
    assert isinstance(TfidfTransformer(output_type="scipy").fit_transform(t), sp.csr_matrix)


# ------------------------------------------------------------------ DLPack protocol of results

def test_exported_tensor_goes_to_exactly_one_consumer(rng):
    matrix = TfidfTransformer().fit_transform(_counts(rng)).franca_matrix
    part = matrix.part(_convert.INDPTR)
    assert part.__dlpack_device__() == (1, 0)
    first = np.from_dlpack(part)
    with pytest.raises(BufferError, match="already handed"):
        np.from_dlpack(part)
    del part  # the consumer owns the tensor now: releasing the wrapper must not free it
    assert first[0] == 0 and first[-1] > 0
    torch_view = torch.utils.dlpack.from_dlpack(matrix.part(_convert.VALUES))
    assert torch_view.data_ptr() == np.from_dlpack(matrix.part(_convert.VALUES)).ctypes.data
    matrix.part(_convert.INDICES)  # never consumed: freed with the wrapper


def test_dlpack_keywords_of_newer_consumers(rng):
    matrix = TfidfTransformer().fit_transform(_counts(rng)).franca_matrix
    capsule = matrix.part(_convert.VALUES).__dlpack__(stream=None, max_version=(1, 0), dl_device=(1, 0), copy=False)
    assert "dltensor" in repr(capsule)
    with pytest.raises(BufferError, match="in place"):
        matrix.part(_convert.VALUES).__dlpack__(copy=True)
    with pytest.raises(BufferError, match="in place"):
        matrix.part(_convert.VALUES).__dlpack__(dl_device=(2, 0))
