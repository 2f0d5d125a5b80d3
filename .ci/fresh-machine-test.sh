#!/usr/bin/env bash
# Developer tool (not run by CI): check the README's install instructions on a
# fresh Debian 12 machine, simulated by a debootstrap'd chroot.
#
# Usage (as root, from anywhere inside the repo):
#   .ci/fresh-machine-test.sh bash scripts/install-and-test.sh
#   .ci/fresh-machine-test.sh 'apt-get update && make test'
#
# What it does:
#   1. exports a clean `git archive HEAD` of this repository (committed files
#      only; uncommitted changes are NOT included) to $ROOT/root/franca,
#      replacing any earlier copy;
#   2. mounts /proc, /sys, /dev, /dev/pts and a tmpfs /dev/shm in the chroot;
#   3. runs `cd /root/franca && <COMMAND>` in the chroot as root, with a clean
#      environment and stdin from /dev/null, teeing output to $LOG;
#   4. unmounts everything it mounted, also on failure or Ctrl-C.
# The exit status is that of COMMAND.
#
# Environment:
#   FRESH_ROOT  chroot to use (default /work/debroot). Make one with:
#                 debootstrap --variant=minbase bookworm /work/debroot \
#                   http://deb.debian.org/debian
#               then copy /etc/resolv.conf and the host's apt sources into it.
#   FRESH_LOG   log file (default /tmp/fresh-machine.log)
#
# The chroot is not reset between runs: anything COMMAND installs stays. To
# test from scratch again, delete the chroot and recreate it with debootstrap.
set -euo pipefail

ROOT="${FRESH_ROOT:-/work/debroot}"
LOG="${FRESH_LOG:-/tmp/fresh-machine.log}"

usage() {
  awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
  exit 2
}

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
  usage
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "fresh-machine-test.sh: must run as root (chroot and mount)" >&2
  exit 1
fi
if [[ ! -x "$ROOT/bin/bash" || ! -f "$ROOT/etc/debian_version" ]]; then
  echo "fresh-machine-test.sh: $ROOT does not look like a Debian root (see --help)" >&2
  exit 1
fi

repo="$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)"
command="$*"

# ---------------------------------------------------------------------------
# Mounts, undone in reverse order on exit
# ---------------------------------------------------------------------------
mounted=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local i target
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    target="${mounted[$i]}"
    if ! umount "$target" 2>/dev/null; then
      echo "fresh-machine-test.sh: $target busy, lazy unmount" >&2
      umount -l "$target" || echo "fresh-machine-test.sh: could not unmount $target" >&2
    fi
  done
  mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

do_mount() { # target mount-args...
  local target="$1"
  shift
  mkdir -p "$target"
  if mountpoint -q "$target"; then
    echo "fresh-machine-test.sh: $target already mounted, leaving it as is" >&2
    return 0
  fi
  mount "$@" "$target"
  mounted+=("$target")
}

# ---------------------------------------------------------------------------
# Copy the repository
# ---------------------------------------------------------------------------
if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]]; then
  echo "fresh-machine-test.sh: warning: uncommitted changes in $repo are not copied (git archive HEAD)" >&2
fi
dest="$ROOT/root/franca"
rm -rf "$dest"
mkdir -p "$dest"
git -C "$repo" archive --format=tar HEAD | tar -xf - -C "$dest"
echo "fresh-machine-test.sh: copied $(git -C "$repo" rev-parse --short HEAD) to $dest"

do_mount "$ROOT/proc" -t proc proc
do_mount "$ROOT/sys" -t sysfs sysfs
do_mount "$ROOT/dev" --bind /dev
do_mount "$ROOT/dev/pts" --bind /dev/pts
do_mount "$ROOT/dev/shm" -t tmpfs -o mode=1777 shm

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------
echo "fresh-machine-test.sh: running in $ROOT: cd /root/franca && $command" | tee "$LOG"
set +e
chroot "$ROOT" /usr/bin/env -i \
  HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM="${TERM:-dumb}" \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  /bin/bash -c "cd /root/franca && $command" </dev/null 2>&1 | tee -a "$LOG"
rc=${PIPESTATUS[0]}
set -e

echo "fresh-machine-test.sh: exit status $rc (log: $LOG)" | tee -a "$LOG"
exit "$rc"
