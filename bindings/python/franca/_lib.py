"""Finds and loads libfranca, and declares every function of include/franca/franca.h.

Loaded with ctypes.CDLL (not PyDLL), so the GIL is released for the duration of each C
call: other Python threads run while franca works, and several threads can predict with one
fitted estimator at once (which the C library allows). The one exception is
franca_matrix_strings_gather, called through `pylib` with the GIL held, as its callbacks (Python's
C API) need. Every function that returns a
franca_status is checked: a failing status raises the matching `franca.exceptions` class
with franca_last_error(), read on the same thread, right after the call.
"""
import ctypes
import json
import os
import sys
from pathlib import Path

from . import _dlpack
from .exceptions import BY_STATUS, FrancaError, FrancaLibraryNotFound, bind_status_codes

__all__ = ["lib", "pylib", "path", "STATUS", "take_string", "take_json", "Handle", "new_handle", "LOG_CALLBACK",
           "DATA_LOSS_CALLBACK", "BLOCKS_CALLBACK", "BLOCKS_ROWS", "BLOCKS_KEEP", "BLOCKS_KEPT"]

_NAME = {"darwin": "libfranca.dylib", "win32": "franca.dll"}.get(sys.platform, "libfranca.so")


def _candidates():
    """Where to look, in order: $FRANCA_LIBRARY (alone, if set: an explicit choice must not
    silently fall back to another build), beside the package (where `pip install .` puts
    it), then, for the source tree's package (bindings/python/franca) only, the tree's build
    folders (build/ first, then build-* in name order)."""
    explicit = os.environ.get("FRANCA_LIBRARY")
    if explicit:
        return [Path(explicit)]
    package = Path(__file__).resolve().parent
    repo = package.parents[2]
    if not (repo / "include" / "franca" / "franca.h").is_file():  # an installed package
        return [package / _NAME]
    builds = sorted(repo.glob("build*/"), key=lambda p: (p.name != "build", p.name))
    return [package / _NAME] + [b / "lib" / _NAME for b in builds]


def _load():
    tried = []
    for candidate in _candidates():
        if not candidate.is_file():
            tried.append(f"  {candidate}: not found")
            continue
        try:
            return ctypes.CDLL(str(candidate)), candidate
        except OSError as e:
            tried.append(f"  {candidate}: {e}")
    where = "\n".join(tried) if tried else "  (nowhere)"
    raise FrancaLibraryNotFound(
        f"franca: could not load {_NAME}; looked in:\n{where}\n"
        "Install the package with its library (pip install . from the repository), or build it "
        "(cmake -S . -B build -G Ninja && ninja -C build) and set FRANCA_LIBRARY to its path.")


lib, path = _load()
lib.franca_status_name.argtypes, lib.franca_status_name.restype = [ctypes.c_int], ctypes.c_char_p


def _status_codes():
    """{name: code} for every franca_status, as the library names them: codes count up from
    FRANCA_OK = 0 to the first that franca_status_name() calls "unknown"."""
    codes = {}
    for code in range(256):  # a bound, not a limit: franca has about a dozen codes
        name = lib.franca_status_name(code).decode()
        if name == "unknown":
            break
        codes[name] = code
    return codes


STATUS = _status_codes()
"""status name ("ok", "invalid_argument", ...) -> code, from the loaded library."""
bind_status_codes(STATUS)
_OK = STATUS["ok"]


def _check(status, func, args):
    if status != _OK:
        message = lib.franca_last_error().decode("utf-8", "replace")
        raise BY_STATUS.get(status, FrancaError)(
            f"{message} (franca {func.__name__}: {lib.franca_status_name(status).decode()})", message=message)
    return status


_int, _i64, _size = ctypes.c_int, ctypes.c_int64, ctypes.c_size_t
_p = ctypes.POINTER
_vp, _cp = ctypes.c_void_p, ctypes.c_char_p
_tensor = _p(_dlpack.DLTensor)
_managed_out = _p(_p(_dlpack.DLManagedTensor))
LOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
PROGRESS_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)
_doubles = _p(ctypes.c_double)
DATA_LOSS_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, _doubles, _i64, _doubles, _doubles, _doubles, ctypes.c_void_p)
BLOCKS_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, _tensor, _p(_tensor), ctypes.c_void_p)
BLOCKS_ROWS, BLOCKS_KEEP, BLOCKS_KEPT = 0, 1, 2

# name: argument types, for the functions that return a franca_status.
_CHECKED = {
    "franca_version": [_p(_int), _p(_int), _p(_int)],
    "franca_build_info": [_p(_vp)],
    "franca_set_log_level": [_int],
    "franca_get_log_level": [_p(_int)],
    "franca_set_log_callback": [LOG_CALLBACK, _vp],
    "franca_context_create": [_cp, _p(_vp)],
    "franca_context_free": [_vp],
    "franca_context_set_stream": [_vp, _vp],
    "franca_context_set_seed": [_vp, ctypes.c_uint64],
    "franca_context_set_threads": [_vp, _int],
    "franca_context_set_progress": [_vp, PROGRESS_CALLBACK, _vp],
    "franca_context_synchronize": [_vp],
    "franca_cancel": [_vp],
    "franca_context_reset_cancel": [_vp],
    "franca_matrix_dense": [_tensor, _p(_vp)],
    "franca_matrix_csr": [_tensor, _tensor, _tensor, _i64, _i64, _p(_vp)],
    "franca_matrix_strings": [_tensor, _tensor, _p(_vp)],
    "franca_matrix_free": [_vp],
    "franca_matrix_get_kind": [_vp, _p(_int)],
    "franca_matrix_shape": [_vp, _p(_i64), _p(_i64)],
    "franca_matrix_export": [_vp, _int, _managed_out],
    "franca_estimator_list": [_p(_vp)],
    "franca_estimator_create": [_cp, _p(_vp)],
    "franca_estimator_free": [_vp],
    "franca_estimator_set_params": [_vp, _cp],
    "franca_estimator_get_params": [_vp, _p(_vp)],
    "franca_estimator_fit": [_vp, _vp, _vp, _tensor, _tensor],
    "franca_estimator_partial_fit": [_vp, _vp, _vp, _tensor, _tensor],
    "franca_estimator_set_attribute": [_vp, _cp, _tensor],
    "franca_estimator_apply": [_vp, _vp, _cp, _vp, _p(_vp)],
    "franca_estimator_data_loss": [_vp, _vp, _vp, _tensor, _tensor, _tensor, _p(ctypes.c_double), _managed_out,
                                   _managed_out],
    "franca_estimator_fit_external": [_vp, _vp, _cp, DATA_LOSS_CALLBACK, _vp],
    "franca_estimator_fit_blocks": [_vp, _vp, _i64, BLOCKS_CALLBACK, _vp],
    "franca_estimator_block_answer": [_vp, _vp, _tensor, _i64, _vp, _tensor, _tensor, _tensor, _managed_out],
    "franca_estimator_is_fitted": [_vp, _p(_int)],
    "franca_estimator_get_attribute": [_vp, _cp, _managed_out],
    "franca_estimator_save": [_vp, _p(_p(ctypes.c_uint8)), _p(_size)],
    "franca_estimator_load": [_p(ctypes.c_uint8), _size, _p(_vp)],
}
for _name, _argtypes in _CHECKED.items():
    _f = getattr(lib, _name)
    _f.argtypes, _f.restype, _f.errcheck = _argtypes, ctypes.c_int, _check

# franca_matrix_strings_gather through a PyDLL view of the same library (dlopen gives the same
# one): PyDLL keeps the GIL held during the call, which its callbacks (CPython's own list and str
# functions, _convert._gathered) need, and raises the Python error they set, if any, instead of
# returning the status.
pylib = ctypes.PyDLL(str(path))
pylib.franca_matrix_strings_gather.argtypes = [_vp, ctypes.py_object, _i64, _vp, _vp, _p(_vp)]
pylib.franca_matrix_strings_gather.restype, pylib.franca_matrix_strings_gather.errcheck = ctypes.c_int, _check

# The functions that return something other than a status.
lib.franca_last_error.argtypes, lib.franca_last_error.restype = [], _cp
lib.franca_free.argtypes, lib.franca_free.restype = [_vp], None
lib.franca_estimator_name.argtypes, lib.franca_estimator_name.restype = [_vp], _cp


def take_string(call, *args):
    """Calls a function whose last argument is a char** out-parameter; returns the string
    and releases franca's copy."""
    out = _vp()
    call(*args, ctypes.byref(out))
    try:
        return ctypes.string_at(out).decode("utf-8")
    finally:
        lib.franca_free(out)


def take_json(call, *args):
    return json.loads(take_string(call, *args))


class Handle:
    """Owns one C handle (context, matrix or estimator) and frees it when collected."""

    __slots__ = ("value", "_free")

    def __init__(self, value, free):
        self.value, self._free = value, free

    def __del__(self):
        value, self.value = self.value, None
        if value:
            self._free(value)


def new_handle(create, free, *args):
    """Runs `create(*args, &out)` and wraps the result in a Handle."""
    out = _vp()
    create(*args, ctypes.byref(out))
    return Handle(out.value, free)
