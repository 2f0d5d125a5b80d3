"""A minimal ctypes binding of franca's C ABI for the Python test suites.

Loads the library from $FRANCA_LIBRARY (default build/lib/libfranca.so), wraps numpy arrays
as borrowed DLTensors (host only) and turns a failed call into FrancaError carrying the
status code and franca_last_error()'s message.
"""
import ctypes
import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = os.environ.get("FRANCA_LIBRARY", str(ROOT / "build" / "lib" / "libfranca.so"))

OK, INVALID_ARGUMENT, TYPE, OUT_OF_MEMORY, NOT_FITTED, NOT_FOUND, NOT_IMPLEMENTED = 0, 1, 2, 3, 4, 5, 6
DEVICE, CORRUPT_MODEL, CANCELLED, INTERNAL = 7, 8, 9, 10


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", DLDevice),
        ("ndim", ctypes.c_int),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class DLManagedTensor(ctypes.Structure):
    pass


DLManagedTensor._fields_ = [
    ("dl_tensor", DLTensor),
    ("manager_ctx", ctypes.c_void_p),
    ("deleter", ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor))),
]

_CODES = {"i": 0, "u": 1, "f": 2}
_KDLCPU = 1
_KDLCUDA = 2


class FrancaError(Exception):
    def __init__(self, status, message):
        super().__init__(f"[{status}] {message}")
        self.status = status
        self.message = message


lib = ctypes.CDLL(LIBRARY)
lib.franca_last_error.restype = ctypes.c_char_p
lib.franca_estimator_name.restype = ctypes.c_char_p
lib.franca_estimator_save.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
lib.franca_estimator_load.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p)]
lib.franca_free.argtypes = [ctypes.c_void_p]


def check(status):
    if status != OK:
        raise FrancaError(status, lib.franca_last_error().decode())


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
    dtype = np.dtype(f"{ {0: 'i', 1: 'u', 2: 'f'}[t.dtype.code] }{t.dtype.bits // 8}".replace(" ", ""))
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
        out = ctypes.c_char_p()
        check(lib.franca_estimator_get_params(self.handle, ctypes.byref(out)))
        value = json.loads(out.value.decode())
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
        data, size = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.franca_estimator_save(self.handle, ctypes.byref(data), ctypes.byref(size)))
        out = ctypes.string_at(data, size.value)
        lib.franca_free(data)
        return out

    @classmethod
    def load(cls, data):
        handle = ctypes.c_void_p()
        buffer = ctypes.create_string_buffer(data, len(data))
        check(lib.franca_estimator_load(buffer, len(data), ctypes.byref(handle)))
        return cls(handle=handle)


def set_log_level(level):
    check(lib.franca_set_log_level(level))
