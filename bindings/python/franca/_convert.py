"""Arrays in and out of libfranca.

In: every input becomes a franca_matrix (or, for y and sample_weight, a DLTensor) that
borrows the caller's memory: NumPy arrays through __array_interface__, PyTorch, CuPy, JAX
and other producers through __dlpack__, __cuda_array_interface__ objects directly,
scipy.sparse CSR matrices as their three arrays. A copy is made only where franca cannot
read the data as it is, and each such case is listed in `docs/python.md`:
  - a dtype franca does not compute in (X, CSR data, y, sample_weight that are not float32
    or float64 become float64; CSR indices that are not int32/int64 become int64);
  - negative or non-element-multiple strides, and non-native byte order (NumPy);
  - a sparse format other than CSR (converted with .tocsr()), a pandas DataFrame whose
    columns are all sparse (its COO matrix, then CSR), and dense input to an
    estimator that only takes CSR (TfidfTransformer: converted to CSR);
  - lists and other sequences (np.asarray), strings (UTF-8 bytes plus int64 offsets: a list or
    tuple of str is copied by the library itself, franca_matrix_strings_gather);
  - host data when the configured device is CUDA (the one host-to-device copy, asked for
    by the caller), and y / sample_weight on another device than X (moved to X's device).

Out: franca's results are handed out zero-copy through DLPack, in the type chosen by
`output_type` (see `franca.set_config`). CSR results for host input are `CSRMatrix`
objects: scipy.sparse.csr_matrix instances whose arrays stay in franca's memory until
code outside franca reads them, so that a franca estimator receiving one (the next stage of
a pipeline) takes franca's matrix as it is, with no conversion at all.
"""
import ctypes
import sys
import warnings
from collections import Counter

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csr_matrix

from . import _dlpack, _lib
from .exceptions import FrancaNotImplementedError, FrancaTypeError, FrancaValueError

__all__ = ["Matrix", "CSRMatrix", "Input", "borrow", "tensor", "convert", "conversions"]

# Counts what the binding does to results and where it copies between host and device:
# "dense->numpy" / "->torch" / "->cupy" (a result handed out as that type), "csr->CSRMatrix"
# (a CSR result wrapped, nothing read), "csr->scipy" (a CSRMatrix's arrays read out of
# franca's memory), "host->device", "device->host". Tests read it to prove that data passed
# between franca estimators is never converted.
conversions = Counter()

DENSE, CSR, STRINGS = 0, 1, 2
VALUES, INDICES, INDPTR = 0, 1, 2

_FLOATS = ("float32", "float64")
_INDEXES = ("int32", "int64")
_NUMPY_DL = {np.dtype(np.float32): (_dlpack.KDLFLOAT, 32), np.dtype(np.float64): (_dlpack.KDLFLOAT, 64),
             np.dtype(np.int32): (_dlpack.KDLINT, 32), np.dtype(np.int64): (_dlpack.KDLINT, 64),
             np.dtype(np.int8): (_dlpack.KDLINT, 8), np.dtype(np.uint8): (_dlpack.KDLUINT, 8)}


def _is_torch(x):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _is_cupy(x):
    cupy = sys.modules.get("cupy")
    return cupy is not None and isinstance(x, cupy.ndarray)


def _is_cupyx_sparse(x):
    cupyx_sparse = sys.modules.get("cupyx.scipy.sparse")
    return cupyx_sparse is not None and cupyx_sparse.issparse(x)


# ------------------------------------------------------------------ host <-> device copies

def _cuda_id(device):
    return int(device.split(":", 1)[1]) if ":" in device else 0


def _to_cuda(array, device):
    """The host-to-device copy asked for by device='cuda' (through CuPy, else PyTorch)."""
    conversions["host->device"] += 1
    if "cupy" in sys.modules or _importable("cupy"):
        import cupy
        with cupy.cuda.Device(_cuda_id(device)):
            return cupy.asarray(array)
    if _importable("torch"):
        import torch
        if torch.cuda.is_available():
            return torch.from_numpy(np.ascontiguousarray(array)).to(f"cuda:{_cuda_id(device)}")
    raise FrancaNotImplementedError(f"device={device!r}: copying host input to the GPU needs CuPy or a CUDA "
                                    "build of PyTorch, and neither is available")


def _to_host(exportable):
    """A device result copied to a NumPy array (through CuPy, else PyTorch)."""
    conversions["device->host"] += 1
    if "cupy" in sys.modules or _importable("cupy"):
        import cupy
        return cupy.from_dlpack(exportable).get()
    if _importable("torch"):
        import torch.utils.dlpack
        return torch.utils.dlpack.from_dlpack(exportable).cpu().numpy()
    raise FrancaNotImplementedError("copying a GPU result to a NumPy array needs CuPy or PyTorch")


def _importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------ franca's results

class Matrix:
    """A matrix returned by libfranca (dense or CSR), owning its memory.

    A dense Matrix supports the DLPack protocol (`__dlpack__`, `__dlpack_device__`), any
    number of times: each export shares the memory (no copy). A CSR Matrix hands out its
    parts with `part(franca.VALUES|INDICES|INDPTR)`.
    """

    def __init__(self, handle, ctx):
        self.handle, self._ctx = handle, ctx
        kind, rows, cols = ctypes.c_int(), ctypes.c_int64(), ctypes.c_int64()
        _lib.lib.franca_matrix_get_kind(handle.value, ctypes.byref(kind))
        _lib.lib.franca_matrix_shape(handle.value, ctypes.byref(rows), ctypes.byref(cols))
        self.kind, self.shape = kind.value, (rows.value, cols.value)
        self.device = self.part(VALUES).__dlpack_device__()

    @property
    def on_host(self):
        return self.device[0] in (_dlpack.KDLCPU, _dlpack.KDLCUDAHOST)

    def _synchronize(self, _stream):
        # A consumer on another CUDA stream must see the finished result.
        if not self.on_host:
            _lib.lib.franca_context_synchronize(self._ctx.value)

    def part(self, which):
        managed = ctypes.POINTER(_dlpack.DLManagedTensor)()
        _lib.lib.franca_matrix_export(self.handle.value, which, ctypes.byref(managed))
        return _dlpack.Exported(managed, self._synchronize)

    def __dlpack__(self, stream=None, **options):
        if self.kind != DENSE:
            raise BufferError("a CSR matrix has no single DLPack tensor; export its parts with part()")
        return self.part(VALUES).__dlpack__(stream, **options)

    def __dlpack_device__(self):
        return self.device

    def __repr__(self):
        kinds = {DENSE: "dense", CSR: "CSR", STRINGS: "strings"}
        return f"<franca.Matrix {kinds[self.kind]} {self.shape[0]}x{self.shape[1]} on device {self.device}>"


def _lazy_part(name):
    def get(self):
        state = self.__dict__
        if name not in state:
            self._materialize()
        return state[name]

    def set(self, value):
        state = self.__dict__
        if state.get("_franca") is not None:
            if name not in state:
                self._materialize()
            if state[name] is not value:
                state["_franca"] = None  # the parts no longer describe franca's matrix
        state[name] = value

    return property(get, set, doc=f"The CSR {name} array (NumPy, read from franca's memory on first use).")


class CSRMatrix(csr_matrix):
    """A scipy.sparse.csr_matrix holding a franca CSR result.

    It is a scipy CSR matrix in every respect. Its `data`, `indices` and `indptr` are NumPy
    views of franca's memory (no copy; a GPU result is copied to the host), made the first
    time anything reads them; until then a franca estimator that receives it uses franca's
    matrix directly, wherever it lives. Matrices scipy derives from it (copies, slices,
    arithmetic) are ordinary scipy matrices of this class.
    """

    data = _lazy_part("data")
    indices = _lazy_part("indices")
    indptr = _lazy_part("indptr")

    @classmethod
    def _from_franca(cls, matrix):
        # scipy's own initialisation (of an empty matrix of the shape), then franca's parts.
        self = cls(matrix.shape)
        for name in ("data", "indices", "indptr"):
            del self.__dict__[name]
        self.__dict__["_franca"] = matrix
        return self

    @property
    def franca_matrix(self):
        """franca's Matrix while the parts have not been replaced, else None."""
        return self.__dict__.get("_franca")

    def _materialize(self):
        state = self.__dict__
        matrix = state["_franca"]
        parts = {name: matrix.part(which) for name, which in (("data", VALUES), ("indices", INDICES),
                                                             ("indptr", INDPTR))}
        conversions["csr->scipy"] += 1
        if matrix.on_host:
            arrays = {name: np.from_dlpack(p) for name, p in parts.items()}
        else:
            arrays = {name: _to_host(p) for name, p in parts.items()}
            state["_franca"] = None  # the host copy may be changed in place: it is the matrix now
        arrays["indptr"], arrays["indices"] = _one_index_dtype(arrays["indptr"], arrays["indices"], self._shape[1],
                                                               lambda a, name: a.astype(name, copy=False))
        state.update(arrays)

    def __getstate__(self):
        for name in ("data", "indices", "indptr"):
            getattr(self, name)
        state = dict(self.__dict__)
        state.pop("_franca", None)
        return state


def _one_index_dtype(indptr, indices, n_cols, cast):
    """scipy and PyTorch need indptr and indices of one dtype, and franca may give int64 row
    pointers with int32 indices: then the (short) indptr becomes int32 where the values fit,
    else the indices become int64. cast(array, dtype name) converts in the array's library."""
    names = [str(a.dtype).replace("torch.", "") for a in (indptr, indices)]
    if names[0] == names[1]:
        return indptr, indices
    if max(int(indptr[-1]), n_cols) <= np.iinfo(np.int32).max:
        return cast(indptr, "int32"), cast(indices, "int32")
    return cast(indptr, "int64"), cast(indices, "int64")


# ------------------------------------------------------------------ inputs

class Input:
    """A franca_matrix or DLTensor built from a caller's object, with what it borrows.

    `family` is the kind of object the caller gave ("numpy" for NumPy, lists, scipy.sparse
    and strings; "torch", "cupy", or "other" for any other DLPack producer): outputs for
    output_type='input' take that type. `device` is the DLPack (type, id) the data is on.
    """

    __slots__ = ("matrix", "tensor", "keep", "family", "device")

    def __init__(self, family, device, keep, matrix=None, tensor=None):
        self.family, self.device, self.keep = family, device, keep
        self.matrix, self.tensor = matrix, tensor

    @property
    def pointer(self):
        return None if self.tensor is None else ctypes.byref(self.tensor)


def _numpy_tensor(a):
    """A DLTensor over a NumPy array's memory (kept alive through the returned Input)."""
    itemsize = a.dtype.itemsize
    shape = (ctypes.c_int64 * a.ndim)(*a.shape)
    # NULL strides say C-contiguous, whatever NumPy reports for extents of 0 or 1.
    strides = None if a.flags.c_contiguous else (ctypes.c_int64 * a.ndim)(*(s // itemsize for s in a.strides))
    code, bits = _NUMPY_DL[a.dtype]
    t = _dlpack.DLTensor(data=a.__array_interface__["data"][0], device=_dlpack.DLDevice(_dlpack.KDLCPU, 0),
                         ndim=a.ndim, dtype=_dlpack.DLDataType(code, bits, 1), shape=shape, strides=strides,
                         byte_offset=0)
    return Input("numpy", (_dlpack.KDLCPU, 0), (a, shape, strides), tensor=t)


def _numpy_ready(a, dtypes, fallback, argument):
    """`a` if franca can read it in place, else the one copy that makes it readable."""
    if a.dtype.kind == "c":
        raise FrancaValueError(f"{argument}: Complex data not supported")
    if a.dtype.name not in dtypes:
        a = a.astype(fallback)  # raises TypeError/ValueError for values that are not numbers
    native = a.dtype.isnative
    strides_ok = all(s >= 0 and s % a.dtype.itemsize == 0 for s in a.strides)
    if not (native and strides_ok):
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))
    return a


def _capsule_input(x, family):
    device = x.__dlpack_device__()
    device = (int(device[0]), int(device[1]))
    # franca works on the legacy default CUDA stream: the producer makes it wait for its work.
    capsule = x.__dlpack__(stream=1) if device[0] in (_dlpack.KDLCUDA, _dlpack.KDLCUDAMANAGED) else x.__dlpack__()
    t = _dlpack.capsule_tensor(capsule).contents
    return Input(family, device, (x, capsule), tensor=t)


def _cai_input(x, dtypes, argument):
    cai = x.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    if dtype.name not in dtypes:
        raise FrancaTypeError(f"{argument}: dtype {dtype} is not supported; pass {' or '.join(dtypes)}")
    shape = (ctypes.c_int64 * len(cai["shape"]))(*cai["shape"])
    strides = None
    if cai.get("strides") is not None:
        strides = (ctypes.c_int64 * len(shape))(*(s // dtype.itemsize for s in cai["strides"]))
    code, bits = _NUMPY_DL[dtype]
    # The interface does not say which device: franca reads it on the current one (0).
    t = _dlpack.DLTensor(data=cai["data"][0], device=_dlpack.DLDevice(_dlpack.KDLCUDA, 0), ndim=len(shape),
                         dtype=_dlpack.DLDataType(code, bits, 1), shape=shape, strides=strides, byte_offset=0)
    return Input("cupy", (_dlpack.KDLCUDA, 0), (x, shape, strides), tensor=t)


def _place(a, device):
    """Moves a host NumPy array to the configured CUDA device (the requested copy)."""
    if device.startswith("cuda"):
        return _capsule_input(_to_cuda(a, device), "numpy")
    return _numpy_tensor(a)


def tensor(x, argument, device, dtypes=_FLOATS, fallback=np.float64, ndims=(1, 2), like=None):
    """An Input holding a DLTensor over `x` (an array of any supported kind).

    device: the configured device name; `like`: an Input whose device the result must share
    (y and sample_weight follow X)."""
    if _is_torch(x):
        if x.is_complex():
            raise FrancaValueError(f"{argument}: Complex data not supported")
        x = x.detach()
        if str(x.dtype).replace("torch.", "") not in dtypes:
            x = x.to(getattr(sys.modules["torch"], np.dtype(fallback).name))
        _check_ndim(x.dim(), ndims, argument)
        result = _capsule_input(x, "torch")
    elif _is_cupy(x):
        if x.dtype.kind == "c":
            raise FrancaValueError(f"{argument}: Complex data not supported")
        if x.dtype.name not in dtypes:
            x = x.astype(fallback)
        _check_ndim(x.ndim, ndims, argument)
        result = _capsule_input(x, "cupy")
    elif not isinstance(x, np.ndarray) and hasattr(x, "__cuda_array_interface__"):
        _check_ndim(len(x.__cuda_array_interface__["shape"]), ndims, argument)
        result = _cai_input(x, dtypes, argument)
    elif (not isinstance(x, np.ndarray) and hasattr(x, "__dlpack__")
          and x.__dlpack_device__()[0] not in (_dlpack.KDLCPU, _dlpack.KDLCUDAHOST)):
        result = _capsule_input(x, "other")
        _check_ndim(result.tensor.ndim, ndims, argument)
    else:
        family = "numpy"
        if not isinstance(x, np.ndarray) and hasattr(x, "__dlpack__"):
            x, family = np.from_dlpack(x), "other"  # a host producer: NumPy reads it in place
        a = np.asarray(x)
        _check_ndim(a.ndim, ndims, argument)
        a = _numpy_ready(a, dtypes, fallback, argument)
        result = _place(a, _like_device(like, device))
        result.family = family
    return result


def _like_device(like, device):
    """The device name host data goes to: X's device for y and sample_weight."""
    if like is None:
        return device
    kind, index = like.device
    return f"cuda:{index}" if kind in (_dlpack.KDLCUDA, _dlpack.KDLCUDAMANAGED) else "cpu"


def _check_ndim(ndim, ndims, argument):
    if ndim not in ndims:
        if ndims == (2,) and ndim == 1:
            raise FrancaValueError(
                f"{argument}: Expected 2D array, got 1D array instead. Reshape your data either using "
                "array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) if it contains "
                "a single sample.")
        if argument == "sample_weight":  # scikit-learn's _check_sample_weight's words
            raise FrancaValueError(f"sample_weight: Sample weights must be 1D array or scalar, got a {ndim}-D array")
        raise FrancaValueError(f"{argument}: expected {' or '.join(f'{n}-D' for n in ndims)} array, got {ndim}-D")


def _new_matrix(create, *args):
    return _lib.new_handle(create, _lib.lib.franca_matrix_free, *args)


def _csr(parts, shape, family, device, argument):
    """parts: (indptr, indices, data) arrays of any supported kind."""
    indptr = tensor(parts[0], f"{argument}.indptr", device, _INDEXES, np.int64, (1,))
    indices = tensor(parts[1], f"{argument}.indices", device, _INDEXES, np.int64, (1,), like=indptr)
    data = tensor(parts[2], f"{argument}.data", device, _FLOATS, np.float64, (1,), like=indptr)
    matrix = _new_matrix(_lib.lib.franca_matrix_csr, indptr.pointer, indices.pointer, data.pointer,
                         shape[0], shape[1])
    return Input(family, indptr.device, (indptr, indices, data), matrix=matrix)


def _looks_like_text(x):
    if isinstance(x, (str, bytes)):
        raise FrancaValueError("X: Iterable over raw text documents expected, string object received.")
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "USO"
    if type(x).__module__.split(".")[0] in ("pyarrow", "polars"):
        return True  # _arrow_strings takes string columns and names any other
    if hasattr(x, "__dlpack__") or hasattr(x, "__cuda_array_interface__") or sp.issparse(x) or _is_torch(x):
        return False
    return True


def _strings(docs, device):
    arrow = _arrow_strings(docs)
    if arrow is not None:
        offsets, data = _arrow_buffers(arrow)
    else:
        docs = docs if isinstance(docs, (list, tuple)) else list(docs)
        gathered = None if device.startswith("cuda") else _gathered(docs)
        if gathered is not None:
            return Input("numpy", (_dlpack.KDLCPU, 0), (gathered,), matrix=gathered)
        offsets, data = _utf8_column(docs)
    offsets_in = _place(offsets, device)
    bytes_in = _place(data, device)
    matrix = _new_matrix(_lib.lib.franca_matrix_strings, offsets_in.pointer, bytes_in.pointer)
    return Input("numpy", offsets_in.device, (offsets_in, bytes_in, arrow), matrix=matrix)


def _arrow_strings(docs):
    """The Arrow string array holding `docs`, or None: a pyarrow string/large_string Array or
    ChunkedArray, a pandas Series of Arrow-backed strings (pandas 3's default str dtype where pyarrow
    is installed, ArrowDtype, StringDtype('pyarrow')), a polars string Series. Arrow's layout,
    offsets then UTF-8 bytes, is franca's strings matrix: no document goes through Python."""
    module = type(docs).__module__.split(".")[0]
    if module == "polars":
        docs = docs.to_arrow()  # polars' string views as one large_string array, in Rust
    elif module == "pandas":
        docs = getattr(docs, "array", docs)
        if not hasattr(docs, "__arrow_array__"):
            return None  # NumPy-backed strings: the list path
        import pyarrow
        docs = pyarrow.array(docs)  # the Series' own Arrow data (__arrow_array__), not a copy
    elif module != "pyarrow":
        return None
    import pyarrow
    if isinstance(docs, pyarrow.ChunkedArray):
        docs = docs.combine_chunks() if docs.num_chunks != 1 else docs.chunk(0)  # one copy in C++ if chunked
    if not isinstance(docs, pyarrow.Array):
        return None
    is_string_view = getattr(pyarrow.types, "is_string_view", None)  # pyarrow >= 16
    if is_string_view is not None and is_string_view(docs.type):
        docs = docs.cast(pyarrow.large_string())
    if not (pyarrow.types.is_string(docs.type) or pyarrow.types.is_large_string(docs.type)):
        raise FrancaTypeError(f"X: an Arrow array of {docs.type}, not of strings")
    if docs.null_count:
        first = int(np.argmax(docs.is_null().to_numpy(zero_copy_only=False)))
        raise FrancaValueError(f"X: document {first}: np.nan is an invalid document, expected byte or unicode "
                               "string.")
    return docs


def _arrow_buffers(array):
    """(offsets, bytes): NumPy views of an Arrow string array's buffers (its slice's offsets, which
    franca's strings matrix lets start above 0)."""
    _, offsets, data = array.buffers()
    dtype = np.int64 if str(array.type) == "large_string" else np.int32
    offsets = np.frombuffer(offsets, dtype=dtype)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    return offsets, data


def _c_function(name):
    """The address of one of CPython's C API functions (stable ABI), or None where there is none."""
    function = getattr(getattr(ctypes, "pythonapi", None), name, None)
    return None if function is None else ctypes.cast(function, ctypes.c_void_p).value


_LIST_ITEM, _TUPLE_ITEM = _c_function("PyList_GetItem"), _c_function("PyTuple_GetItem")
_UTF8_AND_SIZE = _c_function("PyUnicode_AsUTF8AndSize")


def _gathered(docs):
    """A franca strings matrix owning a copy of a list's or tuple's str documents, read by the
    library itself (franca_matrix_strings_gather) through CPython's PyList_GetItem/PyTuple_GetItem
    and PyUnicode_AsUTF8AndSize, called with the GIL held (_lib.pylib): no Python bytecode per
    document. For an ASCII str, PyUnicode_AsUTF8AndSize returns the str's own bytes (no copy); for
    any other str, the UTF-8 copy CPython makes and keeps on the str (as str.encode would make,
    but cached for the str's life). None, with the Python error cleared, where a document is not a
    str (bytes, NaN, None: TypeError) or cannot be encoded (a lone surrogate: UnicodeEncodeError):
    _utf8_column then takes the documents, with its own handling and messages."""
    item = _LIST_ITEM if isinstance(docs, list) else _TUPLE_ITEM
    if item is None or _UTF8_AND_SIZE is None:
        return None
    try:
        return _lib.new_handle(_lib.pylib.franca_matrix_strings_gather, _lib.lib.franca_matrix_free, None, docs,
                               len(docs), item, _UTF8_AND_SIZE)
    except (TypeError, UnicodeEncodeError):  # ctypes raised the error Python's C API set (and cleared it)
        return None


def _utf8_column(docs):
    """(offsets, bytes): the documents' UTF-8 bytes end to end and where each starts, as franca's
    strings matrix holds them. A list of str all ASCII is joined and encoded in one call each (a
    document's byte length is its length), which halves the time of encoding each document on short
    documents; other str lists are encoded by one comprehension; bytes documents, or a mix, go one by
    one with their checks."""
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    try:
        joined = "".join(docs)
    except TypeError:  # not all str
        encoded = []
        for i, d in enumerate(docs):
            if isinstance(d, str):
                encoded.append(d.encode("utf-8"))
            elif isinstance(d, bytes):
                encoded.append(d)
            elif isinstance(d, float) and d != d:  # a missing text field of a pandas column; scikit-learn's words
                raise FrancaValueError(f"X: document {i}: np.nan is an invalid document, expected byte or unicode "
                                       "string.") from None
            else:
                raise FrancaTypeError(f"X: document {i} is a {type(d).__name__}, not a str") from None
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(docs)), out=offsets[1:])
        return offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8)
    if joined.isascii():
        np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)), out=offsets[1:])
        return offsets, np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    encoded = [d.encode("utf-8") for d in docs]
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(docs)), out=offsets[1:])
    return offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8)


def _dense_to_csr(X):
    """A CSR copy of a dense X for an estimator that only takes CSR (as scikit-learn converts
    for its sparse-only estimators), in X's own library."""
    if _is_torch(X):
        _check_ndim(X.dim(), (2,), "X")
        return X.to_sparse_csr()
    if _is_cupy(X):
        import cupyx.scipy.sparse
        _check_ndim(X.ndim, (2,), "X")
        return cupyx.scipy.sparse.csr_matrix(X)
    X = np.asarray(X)
    _check_ndim(X.ndim, (2,), "X")
    return sp.csr_matrix(X if X.dtype.kind in "fc" else X.astype(np.float64))


def _pandas_sparse_columns(X):
    """A pandas DataFrame with sparse columns, as scikit-learn's check_array takes it: one whose
    every column is sparse is the sparse matrix it holds (DataFrame.sparse.to_coo, then CSR);
    one with some sparse columns is made dense (np.asarray, below) with scikit-learn's warning."""
    pd = sys.modules.get("pandas")
    if pd is None or not isinstance(X, pd.DataFrame):
        return X
    sparse_columns = [isinstance(dtype, pd.SparseDtype) for dtype in X.dtypes]
    if not any(sparse_columns):
        return X
    if not all(sparse_columns):
        warnings.warn("pandas.DataFrame with sparse columns found.It will be converted to a dense numpy array.",
                      UserWarning, stacklevel=5)  # scikit-learn's words, its missing space too
        return X
    return X.sparse.to_coo().tocsr()


def borrow(X, inputs, name, device):
    """An Input holding a franca_matrix for X.

    inputs: the estimator's accepted kinds from the listing ("dense", "CSR", "strings");
    device: the configured device name."""
    if isinstance(X, CSRMatrix) and X.franca_matrix is not None:
        m = X.franca_matrix
        return Input("numpy", m.device, (m,), matrix=m.handle)
    if isinstance(X, Matrix):
        return Input("other", X.device, (X,), matrix=X.handle)
    if "strings" in inputs and _looks_like_text(X):
        return _strings(X, device)
    X = _pandas_sparse_columns(X)
    sparse = sp.issparse(X) or _is_cupyx_sparse(X) or (_is_torch(X) and X.layout != sys.modules["torch"].strided)
    if not sparse and "dense" not in inputs and "CSR" in inputs:
        X, sparse = _dense_to_csr(X), True
    if sparse and "CSR" not in inputs:
        raise FrancaTypeError(f"X: {name} does not accept sparse input (it accepts {', '.join(inputs)}); "
                              "pass a dense array")
    if not sparse and "dense" not in inputs:
        raise FrancaTypeError(f"X: {name} does not accept {type(X).__name__} input; it accepts "
                              f"{', '.join(inputs)}")
    if sp.issparse(X) or _is_cupyx_sparse(X):
        family = "numpy" if sp.issparse(X) else "cupy"
        X = X.tocsr()  # a copy unless X is already CSR
        return _csr((X.indptr, X.indices, X.data), X.shape, family, device, "X")
    if sparse:
        torch = sys.modules["torch"]
        if X.layout != torch.sparse_csr:
            X = X.to_sparse_csr()  # a copy, from COO and the other layouts
        return _csr((X.crow_indices(), X.col_indices(), X.values()), tuple(X.shape), "torch", device, "X")
    x = tensor(X, "X", device, ndims=(2,))
    x.matrix = _new_matrix(_lib.lib.franca_matrix_dense, x.pointer)
    return x


# ------------------------------------------------------------------ outputs

def overwrite(X, result):
    """X holding `result` (scikit-learn's copy=False), where X is a writable NumPy array or scipy
    CSR matrix of result's dtype and shape (and, sparse, its stored entries); else `result`."""
    if isinstance(X, np.ndarray) and X.flags.writeable and X.dtype == result.dtype and X.shape == result.shape:
        X[...] = result
        return X
    if (sp.issparse(X) and X.format == "csr" and sp.issparse(result) and X.dtype == result.dtype
            and X.shape == result.shape and X.nnz == result.nnz and X.data.flags.writeable):
        X.data[...] = result.data  # franca's sparse transforms keep every stored entry in place
        return X
    return result


def convert(matrix, family, output_type):
    """franca's result `matrix` as the type `output_type` asks for ('input': `family`)."""
    target = family if output_type == "input" else output_type
    target = {"scipy": "numpy"}.get(target, target)
    kind = "dense" if matrix.kind == DENSE else "csr"
    if target == "other":
        target = "numpy" if matrix.on_host else "franca"
    conversions[f"{kind}->{'CSRMatrix' if kind == 'csr' and target == 'numpy' else target}"] += 1
    if target == "franca":
        return matrix
    if kind == "csr":
        if target == "numpy":
            return CSRMatrix._from_franca(matrix)
        parts = [matrix.part(p) for p in (INDPTR, INDICES, VALUES)]
        if target == "torch":
            import torch.utils.dlpack
            indptr, indices, data = (torch.utils.dlpack.from_dlpack(p) for p in parts)
            indptr, indices = _one_index_dtype(indptr, indices, matrix.shape[1], lambda a, name: a.to(getattr(torch, name)))
            return torch.sparse_csr_tensor(indptr, indices, data, size=matrix.shape)
        import cupy
        import cupyx.scipy.sparse
        indptr, indices, data = (cupy.from_dlpack(p) for p in parts)
        # cupyx's CSR takes int32 indices only: a copy if franca's are int64.
        return cupyx.scipy.sparse.csr_matrix((data, indices.astype(cupy.int32, copy=False),
                                              indptr.astype(cupy.int32, copy=False)), shape=matrix.shape)
    if target == "numpy":
        return np.from_dlpack(matrix) if matrix.on_host else _to_host(matrix)
    if target == "torch":
        import torch.utils.dlpack
        return torch.utils.dlpack.from_dlpack(matrix)
    import cupy
    return cupy.from_dlpack(matrix)
