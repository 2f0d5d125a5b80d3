#!/usr/bin/env bash
# Build franca with CUDA and run every test and GPU benchmark, on the GPU
# machine, from the repository root:
#
#   bash tests/gpu/run.sh
#
# Needs .gpu-deps/ (made on the dev machine by tests/gpu/stage-deps.sh and
# carried over). See tests/gpu/README.md.
#
# Environment:
#   OUT               if set, logs, bench reports and summary.md go there
#   FRANCA_CUDA_ARCH  CMAKE_CUDA_ARCHITECTURES (default 90, e.g. H100/H200)
#   FRANCA_GPU_STAGES comma list of stages to run (default: all of
#                     env,configure,build,ctest,pytest,suites,bench); handy for
#                     splitting work across calls, the build dir is kept
#
# Every stage runs even if an earlier one failed (stages whose prerequisite
# failed are marked SKIP); the exit status is non-zero if any stage failed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

BUILD_DIR=build-gpu
DEPS_DIR="$repo_root/.gpu-deps"
CUDA_ARCH="${FRANCA_CUDA_ARCH:-90}"
STAGES=",${FRANCA_GPU_STAGES:-env,configure,build,ctest,pytest,suites,bench},"
JOBS="$(nproc 2>/dev/null || echo 4)"

OUT="${OUT:-}"
if [[ -n "$OUT" ]]; then
  mkdir -p "$OUT"
fi

# nvcc is often not on PATH in a bare shell.
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

# ---------------------------------------------------------------------------
# Stage bookkeeping
# ---------------------------------------------------------------------------
stage_names=()
stage_results=()
stage_secs=()
any_failed=0

record() { # name result seconds
  stage_names+=("$1")
  stage_results+=("$2")
  stage_secs+=("$3")
  if [[ "$2" == FAIL ]]; then any_failed=1; fi
}

wanted() { [[ "$STAGES" == *",$1,"* ]]; }

result_of() { # name -> PASS/FAIL/SKIP, or "" if the stage was not run
  local i
  for i in "${!stage_names[@]}"; do
    if [[ "${stage_names[$i]}" == "$1" ]]; then
      echo "${stage_results[$i]}"
      return 0
    fi
  done
  echo ""
}

# ok_or_unrun name: true unless the stage ran and did not pass. Lets a later
# stage run alone (FRANCA_GPU_STAGES) on top of an earlier call's build.
ok_or_unrun() {
  local r
  r="$(result_of "$1")"
  [[ -z "$r" || "$r" == PASS ]]
}

# run_stage NAME LOGFILE CMD...   (LOGFILE may be "" for stdout only)
run_stage() {
  local name="$1" log="$2"
  shift 2
  local start=$SECONDS rc
  echo
  echo "=================================================================="
  echo "== [$name] $*"
  echo "=================================================================="
  set +e
  if [[ -n "$log" ]]; then
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
  else
    "$@"
    rc=$?
  fi
  set -e
  if [[ $rc -eq 0 ]]; then
    record "$name" PASS $((SECONDS - start))
  else
    echo "== [$name] FAILED (exit $rc)"
    record "$name" FAIL $((SECONDS - start))
  fi
  return 0
}

skip_stage() { # name reason
  echo
  echo "== [$1] SKIPPED: $2"
  record "$1" SKIP 0
}

fail_stage() { # name reason   (a stage that could not even start)
  echo
  echo "== [$1] FAILED: $2"
  record "$1" FAIL 0
}

# cannot_run NAME REASON: a stage's prerequisites are missing. SKIP if an
# earlier stage of this run already failed for it (configure/build), else FAIL
# with REASON, so that a missing build never passes silently.
cannot_run() {
  if ! ok_or_unrun configure || ! ok_or_unrun build; then
    skip_stage "$1" "configure/build failed"
  else
    fail_stage "$1" "$2"
  fi
}

out_log() { # basename -> "$OUT/basename" or ""
  if [[ -n "$OUT" ]]; then echo "$OUT/$1"; else echo ""; fi
}

print_summary() {
  local i line
  {
    echo
    echo "| stage | result | seconds |"
    echo "|---|---|---|"
    for i in "${!stage_names[@]}"; do
      echo "| ${stage_names[$i]} | ${stage_results[$i]} | ${stage_secs[$i]} |"
    done
    echo
    if [[ $any_failed -eq 0 ]]; then
      echo "Overall: PASS"
    else
      echo "Overall: FAIL"
    fi
  } > "${summary_file}"
  echo
  echo "================================ summary ================================"
  printf '%-32s %-6s %8s\n' STAGE RESULT SECONDS
  for i in "${!stage_names[@]}"; do
    printf '%-32s %-6s %8s\n' "${stage_names[$i]}" "${stage_results[$i]}" "${stage_secs[$i]}"
  done
  line="$(tail -n1 "$summary_file")"
  echo "$line"
  if [[ -n "$OUT" ]]; then
    echo "Logs and reports: $OUT"
  fi
}

if [[ -n "$OUT" ]]; then
  summary_file="$OUT/summary.md"
else
  summary_file="$(mktemp)"
  trap 'rm -f "$summary_file"' EXIT
fi

# ---------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------
if [[ ! -d "$DEPS_DIR/usr/include" || ! -d "$DEPS_DIR/usr/src/googletest" ]]; then
  cat >&2 <<EOF
run.sh: $DEPS_DIR is missing or incomplete.

This machine has no package registry access, so the build dependencies
(spdlog, fmt, DLPack, nlohmann-json headers and the GoogleTest source) must be
staged on the dev machine and carried here:

  1. on the dev machine, from the repo root:  tests/gpu/stage-deps.sh
  2. run this script through the device tool with  carry: [".gpu-deps"]
EOF
  exit 1
fi

# ---------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------
# shellcheck disable=SC2317  # invoked indirectly through run_stage
env_info() {
  local rc=0
  echo "--- nvidia-smi -L"
  nvidia-smi -L || rc=1
  echo "--- nvcc --version"
  nvcc --version || rc=1
  echo "--- cmake / ninja / python"
  cmake --version | head -n1 || rc=1
  printf 'ninja ' && ninja --version || rc=1
  python3 --version || rc=1
  echo "--- CUDA arch: $CUDA_ARCH, jobs: $JOBS"
  return "$rc"
}

if wanted env; then
  run_stage env "$(out_log env.log)" env_info
fi

if wanted configure; then
  run_stage configure "$(out_log configure.log)" \
    cmake -S . -B "$BUILD_DIR" -G Ninja \
      -DFRANCA_CUDA=ON \
      -DFRANCA_DEPS_ROOT="$DEPS_DIR" \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH"
fi

if wanted build; then
  if ok_or_unrun configure && [[ -f "$BUILD_DIR/build.ninja" ]]; then
    run_stage build "$(out_log build.log)" \
      cmake --build "$BUILD_DIR" --parallel "$JOBS"
  else
    cannot_run build "$BUILD_DIR is not configured"
  fi
fi

build_ok() {
  ok_or_unrun configure && ok_or_unrun build && [[ -f "$BUILD_DIR/build.ninja" ]]
}

if wanted ctest; then
  if build_ok; then
    run_stage ctest "$(out_log ctest.log)" \
      ctest --test-dir "$BUILD_DIR" --output-on-failure
  else
    cannot_run ctest "$BUILD_DIR is not configured"
  fi
fi

# Locate the shared library for the Python bindings.
find_library() {
  local lib
  lib="$(find "$BUILD_DIR" -name libfranca.so \( -type f -o -type l \) 2>/dev/null | sort | head -n1)"
  if [[ -n "$lib" ]]; then
    echo "$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")"
  fi
}

lib_path=""
if wanted pytest || wanted bench; then
  if build_ok; then
    lib_path="$(find_library)"
    if [[ -z "$lib_path" ]]; then
      echo "run.sh: libfranca.so not found under $BUILD_DIR" >&2
    else
      echo "run.sh: FRANCA_LIBRARY=$lib_path"
    fi
  fi
fi

py_env=(env "FRANCA_LIBRARY=$lib_path" FRANCA_TEST_DEVICE=cuda
        "PYTHONPATH=$repo_root/bindings/python${PYTHONPATH:+:$PYTHONPATH}")

if wanted pytest; then
  if [[ -n "$lib_path" ]]; then
    run_stage pytest "$(out_log pytest.log)" \
      "${py_env[@]}" python3 -m pytest -q -rxs tests/python bindings/python/tests
  else
    cannot_run pytest "libfranca.so not found under $BUILD_DIR"
  fi
fi

# scikit-learn's own test files with franca computing on the GPU (issue 12): the CPU's expected
# deviations, and the pass rates per file in sklearn_suites_cuda.md.
if wanted suites; then
  if [[ -n "$lib_path" ]]; then
    run_stage suites "$(out_log suites.log)" \
      "${py_env[@]}" python3 tests/python/sklearn_suites/run.py --device cuda \
      --report "${OUT:-$BUILD_DIR}/sklearn_suites_cuda.md"
  else
    cannot_run suites "libfranca.so not found under $BUILD_DIR"
  fi
fi

if wanted bench; then
  shopt -s nullglob
  benches=()
  for f in bench/*.py; do
    # _helpers.py / __init__.py are modules, not benchmark scripts.
    [[ "$(basename "$f")" == _* ]] && continue
    benches+=("$f")
  done
  shopt -u nullglob
  if [[ ${#benches[@]} -eq 0 ]]; then
    skip_stage bench "no bench/*.py scripts"
  elif [[ -z "$lib_path" ]]; then
    cannot_run bench "libfranca.so not found under $BUILD_DIR"
  else
    bench_out="${OUT:-$repo_root/$BUILD_DIR/bench-results}"
    mkdir -p "$bench_out"
    for f in "${benches[@]}"; do
      name="$(basename "$f" .py)"
      run_stage "bench-$name" "$(out_log "bench-$name.log")" \
        "${py_env[@]}" python3 "$f" --device cuda --out "$bench_out/bench-$name.md"
    done
  fi
fi

print_summary
exit $any_failed
