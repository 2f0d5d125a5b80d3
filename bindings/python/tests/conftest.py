"""Shared fixtures: the device the suite runs on (FRANCA_TEST_DEVICE=cuda on the GPU
machine, where CuPy/PyTorch CUDA arrays are used) and array makers for it."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

# The tests run against the source tree's package unless another one is installed first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import franca  # noqa: E402

TEST_DEVICE = os.environ.get("FRANCA_TEST_DEVICE", "cpu")


def cuda_available():
    return TEST_DEVICE == "cuda" and franca.build_info()["cuda"]["devices"]


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
