"""franca.show_versions(): what to paste into a bug report, as sklearn.show_versions() does.

The library's part comes from the loaded libfranca itself (franca_version, franca_build_info)
and names the file that was loaded and why that one; the Python stack's versions come from the
installed distributions' metadata, so that nothing heavy (PyTorch, CuPy) is imported to read
them.
"""
import importlib.metadata
import importlib.util
import os
import platform
import sys
from pathlib import Path

from . import _lib

# (name shown, import name): the stack franca works with; the optional ones show None when absent.
_DEPENDENCIES = [("numpy", "numpy"), ("scipy", "scipy"), ("scikit-learn", "sklearn"), ("pandas", "pandas"),
                 ("torch", "torch"), ("cupy", "cupy"), ("dask", "dask"), ("pip", "pip")]


def _cuda_version(code):
    """CUDA's integer version (12040) as "12.4"; None for 0 (unknown, or no driver)."""
    return f"{code // 1000}.{code % 1000 // 10}" if code else None


def _library_origin():
    """Why this libfranca was the one loaded (franca._lib's order of search)."""
    if os.environ.get("FRANCA_LIBRARY"):
        return "$FRANCA_LIBRARY"
    if Path(_lib.path).resolve().parent == Path(_lib.__file__).resolve().parent:
        return "bundled with the package"
    return "the source tree's build folder"


def _distribution_version(import_name, distributions):
    """The version of the distribution that provides `import_name` (cupy comes as cupy-cuda12x and
    the like; `distributions` is importlib.metadata.packages_distributions()), None when it is not
    importable."""
    if importlib.util.find_spec(import_name) is None:
        return None
    for distribution in distributions.get(import_name, [import_name]):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    module = sys.modules.get(import_name)  # importable without metadata (a source tree on the path)
    return getattr(module, "__version__", "installed, version unknown")


def _franca_distribution():
    try:
        return importlib.metadata.version("franca")
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions():
    """{section: {key: value}}, the data show_versions() prints."""
    info = _lib.take_json(_lib.lib.franca_build_info)
    cuda = info["cuda"]
    devices = [f"{d['id']}: {d['name']} (compute capability {d['compute_capability']}, "
               f"{d['total_memory'] / 2**30:.1f} GiB)" for d in cuda["devices"]]
    package = Path(__file__).resolve().parent
    installed = _franca_distribution()
    distributions = importlib.metadata.packages_distributions()
    return {
        "System": {
            "python": sys.version.replace("\n", " "),
            "executable": sys.executable,
            "machine": platform.platform(),
        },
        "franca": {
            "version": info["version"],
            "package": str(package),
            "installed": f"franca {installed}" if installed else "no (the package is used from its folder)",
            "library": str(_lib.path),
            "loaded from": _library_origin(),
            "CUDA backend": "compiled" if cuda["compiled"] else "not compiled",
            "CUDA runtime": _cuda_version(cuda["runtime_version"]),
            "CUDA driver": _cuda_version(cuda["driver_version"]),
            "GPUs": "; ".join(devices) if devices else None,
            "DLPack": info["dlpack_version"],
            "OpenMP processors": info["openmp_threads"],
        },
        "Python dependencies": {shown: _distribution_version(name, distributions) for shown, name in _DEPENDENCIES},
    }


def show_versions():
    """Prints franca's build (version, the libfranca file loaded and from where, CUDA compiled or
    not, runtime, driver and GPUs, DLPack, OpenMP) and the Python stack (python, numpy, scipy,
    scikit-learn, pandas, torch, cupy, dask: None where not installed), as sklearn.show_versions()
    does. Paste it into a bug report."""
    for section, entries in _versions().items():
        width = max(map(len, entries))
        print(f"\n{section}:")
        for key, value in entries.items():
            print(f"{key:>{width}}: {value}")
