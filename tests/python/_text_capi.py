"""The parts of the C ABI that the text-feature tests need beyond _capi: string-column inputs
and CSR outputs (host only)."""
import ctypes

import numpy as np
import scipy.sparse as sp

from _capi import DLManagedTensor, Estimator, Matrix, Tensor, _from_managed, check, lib

PART_VALUES, PART_INDICES, PART_INDPTR = 0, 1, 2


class Strings:
    """A franca string column over documents (bytes or str, encoded as UTF-8), borrowed."""

    def __init__(self, docs, offset_dtype=np.int64):
        encoded = [d.encode("utf-8") if isinstance(d, str) else bytes(d) for d in docs]
        offsets = np.zeros(len(encoded) + 1, dtype=offset_dtype)
        np.cumsum([len(d) for d in encoded], out=offsets[1:])
        data = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        self.parts = [Tensor(offsets), Tensor(data)]
        self.handle = ctypes.c_void_p()
        check(lib.franca_matrix_strings(self.parts[0].ref, self.parts[1].ref, ctypes.byref(self.handle)))

    def __del__(self):
        lib.franca_matrix_free(self.handle)


def _export(handle, part):
    managed = ctypes.POINTER(DLManagedTensor)()
    check(lib.franca_matrix_export(handle, part, ctypes.byref(managed)))
    return _from_managed(managed)


def _input(X):
    return X if isinstance(X, Strings) else Matrix(X)


def fit(est, X):
    m = _input(X)  # alive until the call returns
    check(lib.franca_estimator_fit(None, est.handle, m.handle, None, None))
    return est


def transform(est, X):
    """est.transform(X) as a scipy CSR matrix; X: Strings or a scipy CSR matrix."""
    m = _input(X)
    out = ctypes.c_void_p()
    check(lib.franca_estimator_apply(None, est.handle, b"transform", m.handle, ctypes.byref(out)))
    try:
        rows, cols = ctypes.c_int64(), ctypes.c_int64()
        check(lib.franca_matrix_shape(out, ctypes.byref(rows), ctypes.byref(cols)))
        parts = [_export(out, p) for p in (PART_VALUES, PART_INDICES, PART_INDPTR)]
        return sp.csr_matrix(tuple(parts), shape=(rows.value, cols.value))
    finally:
        lib.franca_matrix_free(out)


__all__ = ["Estimator", "Strings", "fit", "transform"]
