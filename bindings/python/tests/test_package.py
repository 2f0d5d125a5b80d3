"""The package a user gets from `pip install .` (pyproject.toml): it loads the libfranca bundled in
it with no environment variable, $FRANCA_LIBRARY still overrides that, the wheel holds the package
and its library only, the metadata states the supported range, and show_versions() reports.

Run from an installed package (bootstrap.sh does, on the newest stack and on Debian's, with
FRANCA_EXPECT_INSTALLED=1, which fails the run if the tests imported the source tree instead, and
on Debian's with FRANCA_EXPECT_DEBIAN_STACK=1, which fails it if pip replaced Debian's packages);
from the source tree the installed-only checks skip and the range is read from pyproject.toml.
"""
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import scipy
import sklearn

import franca
from franca import _lib

REPO = Path(__file__).resolve().parents[3]
PACKAGE = Path(franca.__file__).resolve().parent
INSTALLED = PACKAGE != (REPO / "bindings" / "python" / "franca").resolve()
needs_installed = pytest.mark.skipif(not INSTALLED, reason=f"franca is the source tree's ({PACKAGE}), not installed")

# The oldest supported stack: Debian 12's (python3 3.11, python3-numpy 1.24, python3-scipy 1.10,
# python3-sklearn 1.2.1).
SUPPORTED = {"python": ">=3.11", "numpy": ">=1.24", "scipy": ">=1.10", "scikit-learn": ">=1.2.1"}


def _version_tuple(version):
    """(1, 24, 2) for "1.24.2" and (2, 0, 0) for "2.0.0rc1": enough to compare with a lower bound."""
    return tuple(int(re.match(r"\d*", part).group() or 0) for part in version.split("+")[0].split("."))


def _declared_range():
    """{"python": ">=3.11", name: ">=x.y", ...}: the installed metadata's, else pyproject.toml's."""
    if INSTALLED:
        requires_python = importlib.metadata.metadata("franca")["Requires-Python"]
        requirements = importlib.metadata.requires("franca") or []
    else:
        project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
        requires_python, requirements = project["requires-python"], project["dependencies"]
    declared = {"python": requires_python.replace(" ", "")}
    for requirement in requirements:
        if ";" in requirement:  # an extra's (test), not a dependency
            continue
        name, spec = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*)", requirement).groups()
        declared[name.lower()] = spec.replace(" ", "")
    return declared


def test_the_tests_import_the_franca_they_are_meant_to():
    if os.environ.get("FRANCA_EXPECT_INSTALLED") == "1":
        assert INSTALLED, f"FRANCA_EXPECT_INSTALLED=1 but franca was imported from the source tree: {PACKAGE}"
        assert not os.environ.get("FRANCA_LIBRARY"), "FRANCA_EXPECT_INSTALLED=1 wants the bundled libfranca"


@needs_installed
def test_installed_package_loads_its_bundled_library():
    if os.environ.get("FRANCA_LIBRARY"):
        pytest.skip("FRANCA_LIBRARY is set: it overrides the bundled library")
    assert Path(_lib.path) == PACKAGE / _lib._NAME
    assert franca.build_info()["library"] == str(PACKAGE / _lib._NAME)
    # Only the library beside the package is looked for: no source tree's build folder.
    assert _lib._candidates() == [PACKAGE / _lib._NAME]


@needs_installed
def test_wheel_holds_the_package_and_its_library_only():
    files = {str(f) for f in importlib.metadata.files("franca")}
    top = {f.split("/")[0] for f in files}
    dist_info = f"franca-{importlib.metadata.version('franca')}.dist-info"
    assert top == {"franca", dist_info}, sorted(top)  # no include/, lib/cmake/, lib/pkgconfig/
    assert f"franca/{_lib._NAME}" in files
    assert "franca/__init__.py" in files and "franca/feature_extraction/text.py" in files


def test_franca_library_overrides_the_bundled_library(tmp_path):
    missing = tmp_path / "elsewhere" / _lib._NAME
    env = {**os.environ, "FRANCA_LIBRARY": str(missing)}
    run = subprocess.run([sys.executable, "-c", "import franca"], cwd=tmp_path, env=env, capture_output=True,
                         text=True)
    assert run.returncode != 0
    assert "FrancaLibraryNotFound" in run.stderr and str(missing) in run.stderr, run.stderr
    # An explicit choice never falls back to the bundled library (nor to a build folder).
    assert str(PACKAGE / _lib._NAME) not in run.stderr, run.stderr


def test_metadata_states_the_supported_range():
    declared = _declared_range()
    assert {name: declared.get(name) for name in SUPPORTED} == SUPPORTED, declared


def test_running_stack_is_within_the_stated_range():
    running = {"python": "%d.%d.%d" % sys.version_info[:3], "numpy": np.__version__, "scipy": scipy.__version__,
               "scikit-learn": sklearn.__version__}
    for name, spec in SUPPORTED.items():
        assert _version_tuple(running[name]) >= _version_tuple(spec.removeprefix(">=")), (name, running[name], spec)


def test_debian_stack_is_used_as_it_is():
    # bootstrap.sh sets FRANCA_EXPECT_DEBIAN_STACK=1 where `pip install .` ran in a venv over Debian's
    # python3 packages: a NumPy, SciPy or scikit-learn that pip fetched because the stated lower bounds
    # exclude Debian's would shadow them.
    if os.environ.get("FRANCA_EXPECT_DEBIAN_STACK") != "1":
        pytest.skip("FRANCA_EXPECT_DEBIAN_STACK=1 is for a venv over Debian's python3 packages")
    shadowing = {m.__name__: m.__file__ for m in (np, scipy, sklearn) if not m.__file__.startswith("/usr/lib/python3/")}
    assert not shadowing, f"pip installed these over Debian's packages: franca's lower bounds exclude them: {shadowing}"


def test_version_is_the_repository_s():
    # The C library's version comes from VERSION through CMake; the distribution's from the same file.
    if (REPO / "VERSION").is_file():
        assert franca.__version__ == (REPO / "VERSION").read_text().split()[0]
    if INSTALLED:
        assert importlib.metadata.version("franca") == franca.__version__


def test_show_versions(capsys):
    franca.show_versions()
    out = capsys.readouterr().out
    lines = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in out.splitlines() if ":" in line}
    assert lines["version"] == franca.__version__
    assert lines["library"] == str(_lib.path)
    assert lines["loaded from"] == ("$FRANCA_LIBRARY" if os.environ.get("FRANCA_LIBRARY")
                                    else "bundled with the package" if Path(_lib.path).parent == PACKAGE
                                    else "the source tree's build folder")
    assert lines["package"] == str(PACKAGE)
    assert lines["CUDA backend"] == ("compiled" if franca.build_info()["cuda"]["compiled"] else "not compiled")
    assert lines["numpy"] == np.__version__ and lines["scipy"] == scipy.__version__
    assert lines["scikit-learn"] == sklearn.__version__
    assert lines["python"].startswith("%d.%d.%d" % sys.version_info[:3])
    for optional in ("pandas", "torch", "cupy"):
        assert optional in lines
    for section in ("System:", "franca:", "Python dependencies:"):
        assert section in out
