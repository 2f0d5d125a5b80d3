#!/usr/bin/env bash
# Everything on a fresh Debian 12 machine, as root:
#   bash scripts/bootstrap.sh example   install what is needed, build, run the examples
#   bash scripts/bootstrap.sh test      the same, then every test (ctest, pytest, R CMD check, sanitizers, fuzzers)
# The Python tests run on two stacks: Debian's python3 with its packages (the oldest supported: NumPy
# 1.24, scikit-learn 1.2; inside ctest, on the source tree's package), then a virtual environment
# build/venv-newest with the newest from PyPI (NumPy 2, scikit-learn 1.9, pandas 3; made once, reused
# while its requirements are the same) on franca installed there by `pip install .`.
# CUDA is built when /usr/local/cuda has nvcc, cuBLAS and cuSPARSE (FRANCA_CUDA=AUTO); CUDA tests
# skip with a message where no GPU is present.
set -euo pipefail

mode=${1:-example}
case "$mode" in
  example | test) ;;
  *)
    echo "usage: $0 example|test" >&2
    exit 2
    ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
python=/usr/bin/python3

packages=(build-essential cmake ninja-build pkg-config git
  libdlpack-dev libspdlog-dev libfmt-dev nlohmann-json3-dev googletest
  python3 python3-numpy python3-scipy python3-sklearn python3-pytest python3-venv)
if [ "$mode" = test ]; then
  # torch for the zero-copy tests; clang and its runtimes for the libFuzzer targets; pandas and the
  # real data sets of the parity tests (tests/python/_datasets.py); dask and distributed for
  # franca.dask (tests/python/test_dask.py, Debian 12's 2022.12).
  packages+=(python3-torch clang libclang-rt-14-dev libomp-14-dev clang-format
    python3-pandas python3-tqdm dataset-fashion-mnist r-cran-mlbench r-cran-aer r-cran-glmnet
    r-base-core r-cran-testthat r-cran-jsonlite r-cran-matrix r-cran-randomforest python3-dask python3-distributed)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root or install them first" >&2
    exit 1
  fi
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "== configuring and building (build/)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DFRANCA_CUDA="${FRANCA_CUDA:-AUTO}"
if [ "$mode" = example ]; then
  cmake --build build -j "$jobs" --target franca fit_predict
else
  cmake --build build -j "$jobs"
fi

echo "== example: C"
./build/bin/fit_predict
if [ -f examples/pipeline.py ]; then
  echo "== example: Python pipeline"
  FRANCA_LIBRARY="$root/build/lib/libfranca.so" PYTHONPATH="$root/bindings/python" "$python" examples/pipeline.py
fi

if [ "$mode" = example ]; then
  exit 0
fi

echo "== format (.clang-format)"
bash scripts/check-format.sh

echo "== docs/estimators.md matches the library's estimator listing"
"$python" tools/gen_estimator_docs.py build/lib/libfranca.so --check

echo "== tests (ctest: GoogleTest on every compiled device, C99 program, symbols, install, Python)"
ctest --test-dir build --output-on-failure -j "$jobs"

# `pip install .` as a user runs it (pyproject.toml, scikit-build-core), with its build folder pointed
# at build/ and the tests and examples left on: CMake reconfigures build/ as it was, builds nothing
# new, and the wheel bundles the libfranca that ctest has just tested. Compiled once. No build
# isolation: scikit-build-core starts its build folder afresh (cache and all) whenever it runs from
# another environment, so it always runs from build/venv-newest's; Debian's venv gets the same wheel.
pip_build=(--no-build-isolation --config-settings=build-dir=build
  --config-settings=cmake.define.FRANCA_BUILD_TESTS=ON --config-settings=cmake.define.FRANCA_BUILD_EXAMPLES=ON
  --config-settings=cmake.define.FRANCA_CUDA="${FRANCA_CUDA:-AUTO}")

echo "== Python tests on the newest stack (build/venv-newest: NumPy 2, scikit-learn 1.9, pandas 3), scikit-learn's own suites too"
echo "   on franca installed there with pip install . (its bundled libfranca; no FRANCA_LIBRARY, no PYTHONPATH)"
venv=build/venv-newest
requirements=("numpy>=2" scipy "scikit-learn==1.9.*" "pandas>=3" pyarrow polars tqdm pytest "dask[dataframe,distributed]"
  "scikit-build-core>=0.10")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/franca-requirements" 2>/dev/null)" != "${requirements[*]}" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q "${requirements[@]}"
  echo "${requirements[*]}" >"$venv/franca-requirements"
fi
"$venv/bin/python" -m pip install -q "${pip_build[@]}" .
env -u FRANCA_LIBRARY -u PYTHONPATH FRANCA_EXPECT_INSTALLED=1 \
  "$venv/bin/python" -m pytest -q -rxs tests/python bindings/python/tests

echo "== the installed package on Debian's python3 (build/venv-debian: its NumPy 1.24, SciPy 1.10, scikit-learn 1.2.1)"
# `pip wheel .`, installed beside Debian's packages: pip must find the stated lower bounds met by them
# as they are (had it fetched a newer one from PyPI, FRANCA_EXPECT_DEBIAN_STACK=1 fails the test).
rm -rf build/wheelhouse
"$venv/bin/python" -m pip wheel -q --no-deps -w build/wheelhouse "${pip_build[@]}" .
venv_debian=build/venv-debian
[ -x "$venv_debian/bin/python" ] || "$python" -m venv --system-site-packages "$venv_debian"
"$venv_debian/bin/python" -m pip uninstall -q -y franca 2>/dev/null || true
"$venv_debian/bin/python" -m pip install -q build/wheelhouse/franca-*.whl
env -u FRANCA_LIBRARY -u PYTHONPATH FRANCA_EXPECT_INSTALLED=1 FRANCA_EXPECT_DEBIAN_STACK=1 \
  "$venv_debian/bin/python" -m pytest -q -rxs bindings/python/tests/test_package.py

echo "== the R package (bindings/r): R CMD build, then R CMD check with its testthat tests, on build/'s libfranca"
# Installed into a prefix first: the package finds libfranca through that prefix's franca.pc (FRANCA_HOME).
cmake --install build --prefix build/r-franca-prefix >/dev/null
FRANCA_HOME="$root/build/r-franca-prefix" FRANCA_LIBRARY="$root/build/lib/libfranca.so" \
  PYTHONPATH="$root/bindings/python" bash bindings/r/tools/check.sh build/r-check

echo "== tests under AddressSanitizer and UndefinedBehaviorSanitizer (CPU build, build-asan/)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFRANCA_CUDA=OFF -DFRANCA_SANITIZE=address,undefined \
  -DFRANCA_BUILD_EXAMPLES=OFF
cmake --build build-asan -j "$jobs" --target franca_tests franca_internal_tests franca_c_api_test
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$jobs" -L cpu \
  -E 'python_tests|sklearn_suites|install_consumer'

echo "== the C++ tests under ThreadSanitizer (CPU build, build-tsan/): threads sharing estimator handles"
# About 6 CPU-minutes to build, 20 s to run. libomp is not instrumented: its own accesses are left out.
CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRANCA_CUDA=OFF \
  -DFRANCA_SANITIZE=thread -DFRANCA_BUILD_EXAMPLES=OFF
cmake --build build-tsan -j "$jobs" --target franca_tests
TSAN_OPTIONS=ignore_noninstrumented_modules=1 ./build-tsan/bin/franca_tests --gtest_filter='-*/cuda*'

echo "== fuzzers: a short bounded run (build-fuzz/; docs/fuzzing.md has the long one)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRANCA_CUDA=OFF \
  -DFRANCA_FUZZ=ON -DFRANCA_SANITIZE=address,undefined,fuzzer-no-link -DFRANCA_BUILD_TESTS=OFF \
  -DFRANCA_BUILD_EXAMPLES=OFF
cmake --build build-fuzz -j "$jobs"
ctest --test-dir build-fuzz --output-on-failure
