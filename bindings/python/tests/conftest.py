"""Shared fixtures: the device the suite runs on (FRANCA_TEST_DEVICE=cuda on the GPU
machine, where CuPy/PyTorch CUDA arrays are used) and array makers for it."""
import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

# The tests run against the franca that Python imports: an installed one (`pip install .`, which
# bundles libfranca), or the source tree's package where PYTHONPATH names it (as ctest does). With
# neither, the source tree's package, which PYTHONPATH then carries to the worker processes of
# n_jobs=2. tests/python/_capi.py makes the same choice; the report header says which was taken.
if importlib.util.find_spec("franca") is None:
    _PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
    sys.path.insert(0, _PACKAGE_ROOT)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))

import franca  # noqa: E402

TEST_DEVICE = os.environ.get("FRANCA_TEST_DEVICE", "cpu")


def pytest_report_header(config):
    return f"franca {franca.__version__}: package {Path(franca.__file__).parent}, library {franca._lib.path}"


requires_cuda = pytest.mark.skipif(
    not (TEST_DEVICE == "cuda"),
    reason="CUDA cases run with FRANCA_TEST_DEVICE=cuda on a GPU machine (this run: "
           f"FRANCA_TEST_DEVICE={TEST_DEVICE!r}, libfranca CUDA compiled: {franca.build_info()['cuda']['compiled']})")


@pytest.fixture(autouse=True)
def _default_config():
    # Each test starts from franca's defaults, whatever the one before it set.
    saved = franca.get_config()
    yield
    franca.set_config(**saved)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


class ArrayKind:
    """Makes arrays of one library and device from NumPy arrays, and reads them back."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def make(self, a):
        if self.name == "numpy":
            return a
        if self.name.startswith("torch"):
            import torch
            t = torch.from_numpy(a)
            return t.cuda() if self.name == "torch_cuda" else t
        import cupy
        return cupy.asarray(a)

    def is_native(self, out):
        """Whether `out` is of this kind (same library, same device)."""
        if self.name == "numpy":
            return isinstance(out, np.ndarray)
        if self.name.startswith("torch"):
            import torch
            return isinstance(out, torch.Tensor) and out.is_cuda == (self.name == "torch_cuda")
        import cupy
        return isinstance(out, cupy.ndarray)

    @staticmethod
    def to_numpy(out):
        if isinstance(out, np.ndarray):
            return out
        if hasattr(out, "get"):
            return out.get()
        return out.cpu().numpy()


@pytest.fixture(params=["numpy", "torch", "torch_cuda", "cupy"])
def array_kind(request):
    """Every kind of dense array the binding takes; the CUDA ones need FRANCA_TEST_DEVICE=cuda."""
    name = request.param
    if name in ("torch_cuda", "cupy"):
        if TEST_DEVICE != "cuda":
            pytest.skip(f"{name} arrays live on a GPU: run with FRANCA_TEST_DEVICE=cuda on a GPU machine")
        pytest.importorskip("cupy" if name == "cupy" else "torch", reason=f"{name} is not installed")
    else:
        pytest.importorskip("torch" if name == "torch" else "numpy")
    return ArrayKind(name)
