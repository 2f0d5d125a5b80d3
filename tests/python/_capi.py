"""A thin, low-level view of franca's C ABI for the Python test suites and benchmarks: the
estimator, matrix and tensor handles used directly, without the scikit-learn layer.

The declarations are the package's own, not a copy: the DLPack structs (franca._dlpack),
the loaded library with its argument types (franca._lib, which finds it through
$FRANCA_LIBRARY, beside the package or in the build folders), the status codes the library states and the error
classes (franca.exceptions). A failed call raises the package's error there and then;
`check` stays for the callers that pass a call's status through it.
"""
import ctypes
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
# The franca that Python imports (installed, or the source tree's on PYTHONPATH), else the source
# tree's: the choice bindings/python/tests/conftest.py makes.
if importlib.util.find_spec("franca") is None and str(ROOT / "bindings" / "python") not in sys.path:
    sys.path.insert(0, str(ROOT / "bindings" / "python"))

from franca._dlpack import KDLCPU as _KDLCPU, KDLCUDA as _KDLCUDA, KDLFLOAT, KDLINT, KDLUINT  # noqa: E402
from franca._dlpack import DLDataType, DLDevice, DLManagedTensor, DLTensor  # noqa: E402,F401
from franca._lib import STATUS, lib  # noqa: E402
from franca.exceptions import BY_STATUS, FrancaError  # noqa: E402

(OK, INVALID_ARGUMENT, TYPE, OUT_OF_MEMORY, NOT_FITTED, NOT_FOUND, NOT_IMPLEMENTED, DEVICE, CORRUPT_MODEL, CANCELLED,
 INTERNAL) = (STATUS[name] for name in ("ok", "invalid_argument", "type", "out_of_memory", "not_fitted", "not_found",
                                        "not_implemented", "device", "corrupt_model", "cancelled", "internal"))

_CODES = {"i": KDLINT, "u": KDLUINT, "f": KDLFLOAT}


def check(status):
    """Raises the error of a failed status (the library's declared functions already do)."""
    if status != OK:
        message = lib.franca_last_error().decode()
        raise BY_STATUS.get(status, FrancaError)(message, message=message)


class Tensor:
    """A borrowed DLTensor over a host numpy array, or a CUDA array exposing
    __cuda_array_interface__ (e.g. cupy's); keeps the array alive."""

    def __init__(self, array):
        self.array = array
        shape = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        strides = (ctypes.c_int64 * max(array.ndim, 1))(*(s // array.itemsize for s in array.strides))
        self._keep = (shape, strides)
        if hasattr(array, "__cuda_array_interface__"):
            data, device = array.__cuda_array_interface__["data"][0], DLDevice(_KDLCUDA, array.device.id)
        else:
            data, device = array.ctypes.data, DLDevice(_KDLCPU, 0)
        self.tensor = DLTensor(
            ctypes.c_void_p(data),
            device,
            array.ndim,
            DLDataType(_CODES[array.dtype.kind], array.dtype.itemsize * 8, 1),
            shape,
            # NULL strides say C-contiguous (numpy gives an empty array stride 0, which is not).
            None if array.flags["C_CONTIGUOUS"] else strides,
            0,
        )

    @property
    def ref(self):
        return ctypes.byref(self.tensor)


def _from_managed(managed_ptr):
    """Copies a host DLManagedTensor into a numpy array and releases it."""
    t = managed_ptr.contents.dl_tensor
    if t.device.device_type != _KDLCPU:
        managed_ptr.contents.deleter(managed_ptr)
        raise NotImplementedError("_capi reads host outputs only; predict on host arrays")
    shape = tuple(t.shape[i] for i in range(t.ndim))
    kind = next(k for k, code in _CODES.items() if code == t.dtype.code)
    dtype = np.dtype(f"{kind}{t.dtype.bits // 8}")
    count = int(np.prod(shape)) if shape else 1
    buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(t.data + t.byte_offset)
    if t.strides:
        strides = tuple(t.strides[i] * dtype.itemsize for i in range(t.ndim))
        out = np.lib.stride_tricks.as_strided(np.frombuffer(buffer, dtype=dtype), shape, strides).copy()
    else:
        out = np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
    managed_ptr.contents.deleter(managed_ptr)
    return out


def _contiguous(a):
    return a if hasattr(a, "__cuda_array_interface__") else np.ascontiguousarray(a)


class Matrix:
    """A franca_matrix over numpy arrays (dense) or a scipy.sparse CSR matrix (borrowed)."""

    def __init__(self, X):
        self.handle = ctypes.c_void_p()
        if hasattr(X, "indptr"):
            self.parts = [Tensor(X.indptr), Tensor(X.indices), Tensor(X.data)]
            check(lib.franca_matrix_csr(self.parts[0].ref, self.parts[1].ref, self.parts[2].ref,
                                        ctypes.c_int64(X.shape[0]), ctypes.c_int64(X.shape[1]),
                                        ctypes.byref(self.handle)))
        else:
            self.parts = [Tensor(X if hasattr(X, "__cuda_array_interface__") else np.asarray(X))]
            check(lib.franca_matrix_dense(self.parts[0].ref, ctypes.byref(self.handle)))

    def __del__(self):
        lib.franca_matrix_free(self.handle)


def matrix_to_numpy(handle):
    managed = ctypes.POINTER(DLManagedTensor)()
    check(lib.franca_matrix_export(handle, 0, ctypes.byref(managed)))
    return _from_managed(managed)


class Estimator:
    def __init__(self, name=None, handle=None, **params):
        self.handle = ctypes.c_void_p() if handle is None else handle
        if handle is None:
            check(lib.franca_estimator_create(name.encode(), ctypes.byref(self.handle)))
        if params:
            self.set_params(**params)

    def __del__(self):
        lib.franca_estimator_free(self.handle)

    def set_params(self, **params):
        check(lib.franca_estimator_set_params(self.handle, json.dumps(params).encode()))
        return self

    def get_params(self):
        out = ctypes.c_void_p()
        check(lib.franca_estimator_get_params(self.handle, ctypes.byref(out)))
        value = json.loads(ctypes.string_at(out).decode())
        lib.franca_free(out)
        return value

    def fit(self, X, y=None, sample_weight=None, ctx=None):
        m = Matrix(X)
        yt = Tensor(_contiguous(y)) if y is not None else None
        wt = Tensor(_contiguous(sample_weight)) if sample_weight is not None else None
        check(lib.franca_estimator_fit(ctx, self.handle, m.handle, yt.ref if yt else None, wt.ref if wt else None))
        return self

    def apply(self, method, X, ctx=None):
        m = Matrix(X)
        out = ctypes.c_void_p()
        check(lib.franca_estimator_apply(ctx, self.handle, method.encode(), m.handle, ctypes.byref(out)))
        try:
            return matrix_to_numpy(out)
        finally:
            lib.franca_matrix_free(out)

    def attribute(self, name):
        managed = ctypes.POINTER(DLManagedTensor)()
        check(lib.franca_estimator_get_attribute(self.handle, name.encode(), ctypes.byref(managed)))
        return _from_managed(managed)

    def save(self):
        data, size = ctypes.POINTER(ctypes.c_uint8)(), ctypes.c_size_t()
        check(lib.franca_estimator_save(self.handle, ctypes.byref(data), ctypes.byref(size)))
        out = ctypes.string_at(data, size.value)
        lib.franca_free(data)
        return out

    @classmethod
    def load(cls, data):
        handle = ctypes.c_void_p()
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        check(lib.franca_estimator_load(buffer, len(data), ctypes.byref(handle)))
        return cls(handle=handle)


def set_log_level(level):
    check(lib.franca_set_log_level(level))
