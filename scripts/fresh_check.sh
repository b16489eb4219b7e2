#!/usr/bin/env bash
# The README's Quick start as a new user meets it: a minimal Debian 12 root (debootstrap
# --variant=minbase, git and ca-certificates only), a clone of this checkout in it, and the two
# Quick start commands run inside it under chroot — `bash scripts/demo.sh`, then
# `bash scripts/test.sh`. Prints each command's exit status and time, the failed tests, and
# whether results/demo/report.h5 was made; exits 0 only when all of that passed.
#
#   bash scripts/fresh_check.sh [--ref REF] [--keep]
#     --ref REF   the commit to clone (default HEAD: committed work only, as a clone has it)
#     --keep      leave the root in place afterwards (its path is printed)
#
# Needs root (debootstrap, chroot, mounts) and Debian's package registry; ~40 min on 2 cores.
# The root's base (debootstrap's output) is cached as a tarball after the first run. The root
# gets /proc, /dev (with /dev/pts) and /sys (recursively: cgroups for SLURM) mounted, the
# host's resolv.conf, CA trust store, apt proxy/validity settings and Debian sources copied in
# (the registries may be reached through a TLS proxy), and ../shared read-only beside the
# clone, where CI has it.
# Environment:
#   KGPERT_FRESH_CACHE   base tarball and logs (default /var/cache/kgpert-fresh)
#   KGPERT_FRESH_WORK    where the root is unpacked (default /var/tmp; ~15 GB)
#   KGPERT_FRESH_MIRROR  Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   KGPERT_FRESH_CCACHE  a ccache directory to lend the root (default: none, a cold build);
#                        compiler outputs only, so packages and scripts are still checked fresh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ref=HEAD
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ref) ref="$2"; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "fresh_check.sh: unknown option \"$1\"" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '[fresh] %s\n' "$*"; }
die() { printf '[fresh] error: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mounts)"

CACHE="${KGPERT_FRESH_CACHE:-/var/cache/kgpert-fresh}"
WORK="${KGPERT_FRESH_WORK:-/var/tmp}"
MIRROR="${KGPERT_FRESH_MIRROR:-http://deb.debian.org/debian}"
commit="$(git -C "$ROOT" rev-parse --verify "$ref^{commit}")" || die "no commit $ref in $ROOT"
mkdir -p "$CACHE" "$WORK"
LOGS="$CACHE/logs/$(date +%Y%m%d-%H%M%S)-${commit:0:7}"
mkdir -p "$LOGS"

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends debootstrap; } >"$LOGS/apt.log" 2>&1 \
    || { tail -n 5 "$LOGS/apt.log" >&2; die "could not install debootstrap (see $LOGS/apt.log)"; }
fi

# ---- the base: debootstrap once, then its tarball --------------------------------------------
BASE="$CACHE/bookworm-minbase.tar.gz"
if [[ ! -s $BASE ]]; then
  boot="$(mktemp -d "$WORK/kgpert-debootstrap.XXXXXX")"
  say "debootstrap --variant=minbase bookworm from $MIRROR (log: $LOGS/debootstrap.log)"
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$boot" "$MIRROR" \
    >"$LOGS/debootstrap.log" 2>&1 \
    || { tail -n 20 "$LOGS/debootstrap.log" >&2; rm -rf --one-file-system "$boot"; die "debootstrap failed"; }
  tar --numeric-owner -C "$boot" -czf "$BASE.tmp" .
  mv "$BASE.tmp" "$BASE"
  rm -rf --one-file-system "$boot"
  say "cached the base as $BASE ($(du -h "$BASE" | cut -f1))"
fi

# ---- the root -------------------------------------------------------------------------------
R="$(mktemp -d "$WORK/kgpert-fresh.XXXXXX")"
mounted=()
cleanup() {
  local pid n
  # Whatever still runs inside the root (munged, slurmd, a build) ends first.
  for n in 1 2; do
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
      [[ "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$R" ]] && kill -9 "$pid" 2>/dev/null || true
    done
    sleep 1
  done
  for ((n = ${#mounted[@]} - 1; n >= 0; n--)); do
    umount -R "${mounted[n]}" 2>/dev/null || umount -lR "${mounted[n]}" 2>/dev/null || true
  done
  if grep -qF " $R/" /proc/mounts; then
    say "still mounted under $R (left in place):"; grep -F " $R/" /proc/mounts >&2
  elif [[ $keep -eq 1 ]]; then
    say "root kept: $R"
  else
    rm -rf --one-file-system "$R"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "unpacking the base into $R"
tar --numeric-owner -C "$R" -xzf "$BASE"
# The root's "/" as on any system: mktemp's 0700 (also restored from the tarball's "." entry)
# locks out every user but root, and munge's postinst runs as user munge.
chmod 755 "$R"

mount -t proc proc "$R/proc"; mounted+=("$R/proc")
for d in sys dev; do
  mount --rbind "/$d" "$R/$d"; mount --make-rslave "$R/$d"; mounted+=("$R/$d")
done
mountpoint -q "$R/dev/pts" || die "/dev/pts did not come with /dev"

# Network settings of this host: name resolution, the CA trust store (a TLS proxy's CA among
# it), apt's proxy and validity settings, Debian's sources (main, updates, security).
cp -L /etc/resolv.conf "$R/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*" >/dev/null; then
  cp -r /usr/local/share/ca-certificates/. "$R/usr/local/share/ca-certificates/"
fi
chroot "$R" update-ca-certificates >/dev/null 2>&1 || true
cp -L /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
for f in /etc/apt/apt.conf.d/*; do
  grep -qE 'Proxy|Check-Valid-Until|Check-Date' "$f" 2>/dev/null && cp "$f" "$R/etc/apt/apt.conf.d/"
done
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  cp /etc/apt/sources.list.d/debian.sources "$R/etc/apt/sources.list.d/"
  : >"$R/etc/apt/sources.list"
fi

# The checkout as a clone has it, and ../shared beside it (read-only), as in CI.
mkdir -p "$R/work"
git clone --quiet --no-hardlinks "$ROOT" "$R/work/main"
git -C "$R/work/main" checkout --quiet "$commit"
if [[ -d $ROOT/../shared ]]; then
  mkdir -p "$R/work/shared"
  mount --bind "$ROOT/../shared" "$R/work/shared"; mounted+=("$R/work/shared")
  mount -o remount,bind,ro "$R/work/shared"
else
  say "no ../shared beside the checkout: the tests that read the real data will skip"
fi
ccache_env=()
if [[ -n ${KGPERT_FRESH_CCACHE:-} ]]; then
  mkdir -p "$KGPERT_FRESH_CCACHE" "$R/var/cache/ccache"
  mount --bind "$KGPERT_FRESH_CCACHE" "$R/var/cache/ccache"; mounted+=("$R/var/cache/ccache")
  ccache_env=(CCACHE_DIR=/var/cache/ccache)
  say "lending the root the ccache in $KGPERT_FRESH_CCACHE"
fi

# A login's environment, no more: the proxy and CA settings of this host only where set.
envs=(HOME=/root LANG=C.UTF-8 TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      "${ccache_env[@]}")
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY SSL_CERT_FILE PIP_CERT \
         REQUESTS_CA_BUNDLE CURL_CA_BUNDLE; do
  [[ -n ${!v:-} ]] && envs+=("$v=${!v}")
done
in_root() { chroot "$R" /usr/bin/env -i "${envs[@]}" bash -c "cd /work/main && $1"; }

# ---- the two Quick start commands ----------------------------------------------------------
say "commit ${commit:0:12}; logs in $LOGS"
declare -A rc secs
tmp_before="$(cd "$R" && find tmp var/tmp -mindepth 1 -maxdepth 1 2>/dev/null | sort)"
for cmd in "bash scripts/demo.sh" "bash scripts/test.sh"; do
  log="$LOGS/$(echo "$cmd" | sed 's/.*\///; s/\.sh$//').log"
  say "running: $cmd (log: $log)"
  t0=$SECONDS
  # In the background and waited for: bash runs a trap (INT, TERM: exit and clean up) at once
  # during `wait`, but only after a foreground child has ended.
  set +e
  in_root "$cmd" </dev/null >"$log" 2>&1 &
  wait $!
  rc[$cmd]=$?
  set -e
  secs[$cmd]=$((SECONDS - t0))
  say "$cmd: exit ${rc[$cmd]} in $((secs[$cmd] / 60)) min $((secs[$cmd] % 60)) s"
  [[ ${rc[$cmd]} -eq 0 ]] || tail -n 30 "$log" | sed 's/^/    /'
done

# ---- summary --------------------------------------------------------------------------------
test_log="$LOGS/test.log"
echo
say "summary (commit ${commit:0:12})"
for cmd in "bash scripts/demo.sh" "bash scripts/test.sh"; do
  printf '  %-22s exit %s  %d min %02d s\n' "$cmd" "${rc[$cmd]}" $((secs[$cmd] / 60)) $((secs[$cmd] % 60))
done
grep -E '^[0-9]+% tests passed' "$test_log" | sed 's/^/  ctest: /' || true
failed="$(sed -n '/The following tests FAILED/,/^Errors while running/p' "$test_log" | grep -E '^\s+[0-9]+ - ' || true)"
if [[ -n $failed ]]; then echo "  failed tests:"; echo "$failed" | sed 's/^ */    /'; fi
skipped="$(grep -E '\*\*\*Skipped|Not Run' "$test_log" | sed 's/^ */    /' || true)"
[[ -z $skipped ]] || { echo "  skipped:"; echo "$skipped"; }
# The tests write only inside temporary directories of their own and remove them: the root's
# temporary directories hold nothing new after both commands.
tmp_new="$(comm -13 <(echo "$tmp_before") <(cd "$R" && find tmp var/tmp -mindepth 1 -maxdepth 1 2>/dev/null | sort))"
if [[ -n $tmp_new ]]; then
  echo "  left in the temporary directories ($(echo "$tmp_new" | wc -l)):"; echo "$tmp_new" | head -n 40 | sed 's/^/    \//'
else
  echo "  temporary directories (/tmp, /var/tmp): nothing new"
fi
report_ok=0
if [[ -s $R/work/main/results/demo/report.h5 ]]; then
  report_ok=1; echo "  results/demo/report.h5: present ($(du -h "$R/work/main/results/demo/report.h5" | cut -f1))"
else
  echo "  results/demo/report.h5: MISSING"
fi
[[ ${rc["bash scripts/demo.sh"]} -eq 0 && ${rc["bash scripts/test.sh"]} -eq 0 && $report_ok -eq 1 && -z $failed \
   && -z $tmp_new ]] \
  || { say "FAILED"; exit 1; }
say "passed"
