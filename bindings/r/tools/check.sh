#!/usr/bin/env bash
# R CMD build and R CMD check --no-manual of bindings/r in the folder $1, failing on any ERROR or WARNING; the
# checks that the help pages and the Python reference numbers are those of the library in FRANCA_HOME first.
#   FRANCA_HOME=<install prefix of libfranca> FRANCA_LIBRARY=<its libfranca.so> PYTHONPATH=bindings/python \
#     bash bindings/r/tools/check.sh <work folder>
set -euo pipefail
package=$(cd "$(dirname "$0")/.." && pwd)
work=$(mkdir -p "$1" && cd "$1" && pwd)
export R_LIBS="$work/library" _R_CHECK_FORCE_SUGGESTS_=true
mkdir -p "$R_LIBS"

cd "$work"
rm -rf franca_*.tar.gz franca.Rcheck
# From the tarball, which R CMD build cleaned: an INSTALL from the source folder would reuse objects an
# earlier in-place install left there, linked to another libfranca.
R CMD build --no-build-vignettes "$package"
R CMD INSTALL franca_*.tar.gz >install.log 2>&1 || { cat install.log; exit 1; }
(cd "$package" && Rscript tools/write_estimators_rd.R --check)
/usr/bin/python3 "$package/tools/python_reference.py" --check

status=0
R CMD check --no-manual franca_*.tar.gz || status=$?
if [ $status -ne 0 ] || grep -Eq "^Status:.*(ERROR|WARNING)" franca.Rcheck/00check.log; then
  cat franca.Rcheck/00check.log
  cat franca.Rcheck/tests/testthat.Rout.fail 2>/dev/null || true
  exit 1
fi
grep "^Status:" franca.Rcheck/00check.log
