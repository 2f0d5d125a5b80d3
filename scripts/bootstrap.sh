#!/usr/bin/env bash
# Everything on a fresh Debian 12 machine, as root:
#   bash scripts/bootstrap.sh example   install what is needed, build, run the examples
#   bash scripts/bootstrap.sh test      the same, then every test (ctest, pytest, sanitizers, fuzzers)
# The Python tests run on two stacks: Debian's python3 with its packages (the oldest supported: NumPy
# 1.24, scikit-learn 1.2; inside ctest), then a virtual environment build/venv-newest with the newest
# from PyPI (NumPy 2, scikit-learn 1.9, pandas 3; made once, reused while its requirements are the same).
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
  python3 python3-numpy python3-scipy python3-sklearn python3-pytest)
if [ "$mode" = test ]; then
  # torch for the zero-copy tests; clang and its runtimes for the libFuzzer targets; pandas and the
  # real data sets of the parity tests (tests/python/_datasets.py).
  packages+=(python3-torch clang libclang-rt-14-dev libomp-14-dev clang-format python3-venv
    python3-pandas dataset-fashion-mnist r-cran-mlbench r-cran-aer r-cran-glmnet)
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

echo "== Python tests on the newest stack (build/venv-newest: NumPy 2, scikit-learn 1.9, pandas 3), scikit-learn's own suites too"
venv=build/venv-newest
requirements=("numpy>=2" scipy "scikit-learn==1.9.*" "pandas>=3" pytest "dask[dataframe]")
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/franca-requirements" 2>/dev/null)" != "${requirements[*]}" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q "${requirements[@]}"
  echo "${requirements[*]}" >"$venv/franca-requirements"
fi
FRANCA_LIBRARY="$root/build/lib/libfranca.so" PYTHONPATH="$root/bindings/python" \
  "$venv/bin/python" -m pytest -q -rxs tests/python bindings/python/tests

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
