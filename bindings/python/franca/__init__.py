"""franca: scikit-learn estimators on the GPU and the CPU, over libfranca's C ABI.

    from franca.linear_model import Ridge
    Ridge(alpha=0.5).fit(X, y).predict(X)

The estimator classes are generated from the loaded libfranca's estimator listing and
live in franca.preprocessing, franca.linear_model, franca.feature_extraction.text, ...
(`franca.all_estimators()` lists them). Work runs where the data lives (NumPy: CPU;
PyTorch or CuPy on a GPU: that GPU) unless `franca.set_config(device=...)` says otherwise;
results come back in the type of the input, zero-copy. See docs/python.md.
"""
import ctypes

from . import _lib, _logging  # noqa: F401 - loads libfranca and connects its log to logging
from ._config import config_context, get_config, set_config
from ._convert import CSRMatrix, Matrix
from ._estimator import FrancaEstimator, all_estimators, install_generated_modules, module_namespace
from ._show_versions import show_versions
from .exceptions import (CorruptModelError, FrancaCancelledError, FrancaDeviceError, FrancaError,
                         FrancaInternalError, FrancaLibraryNotFound, FrancaMemoryError, FrancaNotFoundError,
                         FrancaNotImplementedError, FrancaTypeError, FrancaValueError, NotFittedError)


def _version():
    parts = [ctypes.c_int() for _ in range(3)]
    _lib.lib.franca_version(*map(ctypes.byref, parts))
    return ".".join(str(p.value) for p in parts)


__version__ = _version()


def build_info():
    """What the loaded libfranca contains: {"version", "cuda": {...}, "dlpack_version",
    "openmp_threads"}, plus "library": its path."""
    return {**_lib.take_json(_lib.lib.franca_build_info), "library": str(_lib.path)}


_estimators, __getattr__ = module_namespace(__name__)
install_generated_modules()
__all__ = ["set_config", "get_config", "config_context", "build_info", "show_versions", "all_estimators",
           "FrancaEstimator", "Matrix", "CSRMatrix", "FrancaError", "FrancaValueError", "CorruptModelError", "FrancaTypeError",
           "FrancaMemoryError", "NotFittedError", "FrancaNotFoundError", "FrancaNotImplementedError",
           "FrancaDeviceError", "FrancaCancelledError", "FrancaInternalError", "FrancaLibraryNotFound",
           *_estimators]
