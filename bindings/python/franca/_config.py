"""franca's global configuration: where estimators run and what type their outputs have.

`set_config` changes the process-wide values; `config_context` overrides them for the
calling thread inside a `with` block (threads started by scikit-learn or the caller see the
process-wide values). Worker processes (joblib's loky backend) start from the defaults,
which come from the environment variables FRANCA_DEVICE and FRANCA_OUTPUT_TYPE.
"""
import contextlib
import os
import re
import threading

from . import _lib
from .exceptions import FrancaValueError

__all__ = ["set_config", "get_config", "config_context", "context"]

DEVICES = ("auto", "cpu", "cuda")
OUTPUT_TYPES = ("input", "numpy", "scipy", "torch", "cupy")

_global = {"device": os.environ.get("FRANCA_DEVICE", "auto"),
           "output_type": os.environ.get("FRANCA_OUTPUT_TYPE", "input")}
_local = threading.local()


def _validate(device, output_type):
    if device is not None and device not in DEVICES and not re.fullmatch(r"cuda:[0-9]+", str(device)):
        raise FrancaValueError(f"device: expected one of {', '.join(DEVICES)} or 'cuda:N' (N a device number), "
                               f"got {device!r}")
    if output_type is not None and output_type not in OUTPUT_TYPES:
        raise FrancaValueError(f"output_type: expected one of {', '.join(OUTPUT_TYPES)}, got {output_type!r}")


def get_config():
    """The current configuration as a dict: {"device", "output_type"}."""
    return {**_global, **getattr(_local, "overrides", {})}


def set_config(device=None, output_type=None):
    """Sets the process-wide configuration; None leaves a value unchanged.

    device: 'auto' (default: run where the data lives), 'cpu', 'cuda' or 'cuda:N'. With a
        CUDA device and host input (NumPy, lists, scipy.sparse, strings), franca copies the
        input to the GPU (through CuPy or PyTorch): the one place where the binding moves
        data between host and device, because the caller asked for it.
    output_type: 'input' (default: the type of the input, or scikit-learn's types for lists,
        NumPy and scipy.sparse input), 'numpy' or 'scipy' (NumPy arrays, scipy.sparse CSR
        matrices), 'torch', 'cupy'.
    """
    _validate(device, output_type)
    for key, value in (("device", device), ("output_type", output_type)):
        if value is not None:
            _global[key] = value


@contextlib.contextmanager
def config_context(*, device=None, output_type=None):
    """Overrides the configuration for the calling thread inside a `with` block."""
    _validate(device, output_type)
    saved = getattr(_local, "overrides", {})
    _local.overrides = {**saved, **{k: v for k, v in (("device", device), ("output_type", output_type))
                                    if v is not None}}
    try:
        yield
    finally:
        _local.overrides = saved


_contexts = {}
_contexts_lock = threading.Lock()


def context(device):
    """The franca_context for a device name, created once and kept for the process (it holds
    the CUDA library handles, which are costly to create)."""
    with _contexts_lock:
        handle = _contexts.get(device)
        if handle is None:
            handle = _lib.new_handle(_lib.lib.franca_context_create, _lib.lib.franca_context_free,
                                     device.encode())
            _contexts[device] = handle
        return handle
