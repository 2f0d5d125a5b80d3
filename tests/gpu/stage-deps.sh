#!/usr/bin/env bash
# Stage header-only / source dependencies for the remote GPU machine.
#
# Run this on the Debian 12 dev machine (it needs apt-get and dpkg). It
# downloads the Debian packages below with `apt-get download` and unpacks each
# with `dpkg -x` into <repo>/.gpu-deps/, giving:
#
#   .gpu-deps/usr/include/{spdlog,fmt,dlpack,nlohmann}
#   .gpu-deps/usr/src/googletest
#
# The GPU machine has no package registry access; the folder is carried there
# (device tool: carry: [".gpu-deps"]) and used via
#   cmake ... -DFRANCA_DEPS_ROOT=$PWD/.gpu-deps
#
# Usage: tests/gpu/stage-deps.sh [--force]
#   --force   delete and re-stage .gpu-deps even if it already looks complete
set -euo pipefail

PACKAGES=(libspdlog-dev libfmt-dev libdlpack-dev nlohmann-json3-dev googletest)

# Paths that must exist for the staging to count as complete.
REQUIRED=(
  usr/include/spdlog
  usr/include/fmt
  usr/include/dlpack
  usr/include/nlohmann
  usr/src/googletest
)

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help)
      awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
      exit 0 ;;
    *) echo "stage-deps.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$repo_root/.gpu-deps"
stamp="$dest/.staged"

is_complete() {
  [[ -f "$stamp" ]] || return 1
  local p
  for p in "${REQUIRED[@]}"; do
    [[ -e "$dest/$p" ]] || return 1
  done
  return 0
}

print_summary() {
  echo "Staged dependencies in $dest:"
  if [[ -f "$stamp" ]]; then
    sed 's/^/  /' "$stamp"
  fi
  local p
  for p in "${REQUIRED[@]}"; do
    printf '  %-24s %s\n' "$p" "$([[ -e "$dest/$p" ]] && echo present || echo MISSING)"
  done
  echo "Total size: $(du -sh "$dest" | cut -f1)"
}

if [[ $force -eq 0 ]] && is_complete; then
  echo "stage-deps.sh: $dest already staged (use --force to redo)."
  print_summary
  exit 0
fi

for tool in apt-get dpkg dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "stage-deps.sh: '$tool' not found; run this on the Debian 12 dev machine." >&2
    exit 1
  }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# apt-get download writes into the current directory. When run as root, apt
# drops privileges to the _apt user for downloads, so make the dir writable.
chmod 0777 "$tmp"

download() {
  (cd "$tmp" && apt-get download "${PACKAGES[@]}")
}

echo "stage-deps.sh: downloading ${PACKAGES[*]}"
if ! download; then
  echo "stage-deps.sh: apt-get download failed; running apt-get update and retrying" >&2
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update
  else
    sudo apt-get update
  fi
  download
fi

rm -rf "$dest"
mkdir -p "$dest"

shopt -s nullglob
debs=("$tmp"/*.deb)
shopt -u nullglob
if [[ ${#debs[@]} -ne ${#PACKAGES[@]} ]]; then
  echo "stage-deps.sh: expected ${#PACKAGES[@]} .deb files, got ${#debs[@]}" >&2
  exit 1
fi

: > "$tmp/staged.txt"
for deb in "${debs[@]}"; do
  name="$(dpkg-deb -f "$deb" Package)"
  version="$(dpkg-deb -f "$deb" Version)"
  echo "stage-deps.sh: unpacking $name $version"
  dpkg -x "$deb" "$dest"
  printf '%s %s\n' "$name" "$version" >> "$tmp/staged.txt"
done

# The -dev packages ship libspdlog.so/libfmt.so symlinks to shared libraries
# that are not staged (spdlog and fmt are used header-only). Drop the dangling
# links so nothing links against them by accident and the folder carries
# cleanly.
while IFS= read -r -d '' link; do
  echo "stage-deps.sh: removing dangling symlink ${link#"$dest"/}"
  rm -f "$link"
done < <(find "$dest" -xtype l -print0)

for p in "${REQUIRED[@]}"; do
  if [[ ! -e "$dest/$p" ]]; then
    echo "stage-deps.sh: $dest/$p missing after unpacking" >&2
    exit 1
  fi
done

# Written last so an interrupted run is not mistaken for a complete one.
sort "$tmp/staged.txt" > "$stamp"

print_summary
