"""The parts of the C ABI that the text-feature tests and benchmark need beyond _capi:
string-column inputs, matrices returned by the library (usable as the next estimator's input
without a copy), and CSR outputs read back as scipy matrices (host only)."""
import ctypes

import numpy as np
import scipy.sparse as sp

from _capi import DLManagedTensor, Estimator, Matrix, Tensor, _from_managed, check, lib

PART_VALUES, PART_INDICES, PART_INDPTR = 0, 1, 2  # franca_matrix_part in franca.h


class Strings:
    """A franca string column over documents (bytes or str, encoded as UTF-8), borrowed.
    `to_device` (e.g. cupy.asarray) moves the offsets and bytes arrays first."""

    def __init__(self, docs, offset_dtype=np.int64, to_device=None):
        encoded = [d.encode("utf-8") if isinstance(d, str) else bytes(d) for d in docs]
        offsets = np.zeros(len(encoded) + 1, dtype=offset_dtype)
        np.cumsum([len(d) for d in encoded], out=offsets[1:])
        data = np.frombuffer(b"".join(encoded) or b"\0", dtype=np.uint8)
        if to_device is not None:
            offsets, data = to_device(offsets), to_device(data)
        self.nbytes = int(offsets[-1])
        self.parts = [Tensor(offsets), Tensor(data)]
        self.handle = ctypes.c_void_p()
        check(lib.franca_matrix_strings(self.parts[0].ref, self.parts[1].ref, ctypes.byref(self.handle)))

    def __del__(self):
        lib.franca_matrix_free(self.handle)


class Output:
    """A matrix the library returned; freed with this object."""

    def __init__(self):
        self.handle = ctypes.c_void_p()

    def __del__(self):
        lib.franca_matrix_free(self.handle)

    def to_scipy(self):
        rows, cols = ctypes.c_int64(), ctypes.c_int64()
        check(lib.franca_matrix_shape(self.handle, ctypes.byref(rows), ctypes.byref(cols)))
        parts = []
        for part in (PART_VALUES, PART_INDICES, PART_INDPTR):
            managed = ctypes.POINTER(DLManagedTensor)()
            check(lib.franca_matrix_export(self.handle, part, ctypes.byref(managed)))
            parts.append(_from_managed(managed))
        return sp.csr_matrix(tuple(parts), shape=(rows.value, cols.value))


def _input(X):
    return X if isinstance(X, (Strings, Output)) else Matrix(X)


def fit(est, X):
    m = _input(X)  # alive until the call returns
    check(lib.franca_estimator_fit(None, est.handle, m.handle, None, None))
    return est


def apply(est, X):
    """est.transform(X) as an Output; X: Strings, Output or a scipy CSR matrix."""
    m = _input(X)
    out = Output()
    check(lib.franca_estimator_apply(None, est.handle, b"transform", m.handle, ctypes.byref(out.handle)))
    return out


def transform(est, X):
    """est.transform(X) as a scipy CSR matrix."""
    return apply(est, X).to_scipy()


__all__ = ["Estimator", "Output", "Strings", "apply", "fit", "transform"]
