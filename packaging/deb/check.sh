#!/usr/bin/env bash
# CI's proof of the Debian package (packaging/deb/build.sh, `make deb`): unpacked into a scratch
# root with `dpkg -x`, its virtual environment runs `kiosk --version` and `kiosk migrate` against
# a scratch SQLite ledger with the shipped /etc/kiosk/kiosk.toml; lintian finds no error (its
# warnings are listed). Usage: check.sh [PACKAGE.deb] (default: build one first).
#
# How the scratch root's environment is run without installing: its bin/python is a symlink to
# /usr/bin/python3.11, and Python finds the environment by the pyvenv.cfg beside the path it was
# started by, not the symlink's target: ROOT/opt/kiosk/.venv/bin/python runs with ROOT's
# site-packages (checked below). The console scripts' shebangs name /opt/kiosk/.venv/bin/python,
# which exists only once installed, so the script is handed to that interpreter. As root, the
# whole chain is also run as an automat runs it: in a private mount namespace the scratch root's
# /opt/kiosk is mounted at /opt/kiosk and /usr/bin/kiosk (the symlink) is executed.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
fail() { echo "deb check: $*" >&2; exit 1; }
for tool in dpkg-deb lintian systemd-sysusers; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install lintian systemd)"
done

DEB=${1:-}
if [ -z "$DEB" ]; then
  DEB=$(bash packaging/deb/build.sh | tail -1)
fi
DEB=$(realpath "$DEB")
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-deb-check.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
ROOT=$SCRATCH/root
VENV=$ROOT/opt/kiosk/.venv

echo "== dpkg -x $(basename "$DEB")"
dpkg -x "$DEB" "$ROOT"
dpkg-deb -f "$DEB" Package Version Depends Recommends

# outside the source tree and without the caller's Python settings, so nothing but the scratch
# root can be imported
cd "$SCRATCH"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV
PY="$VENV/bin/python"

echo "== the scratch root's environment"
"$PY" - "$VENV" <<'PYEOF'
import sys
from pathlib import Path

import kiosk
import ui

venv = sys.argv[1]
assert sys.prefix == venv, f"sys.prefix {sys.prefix} is not the scratch root's {venv}"
for module in (kiosk, ui):
    assert Path(module.__file__).is_relative_to(venv), f"{module.__name__} from {module.__file__}"
assert list(Path(ui.__file__).parent.glob("translations/*.qm")), "no built translations (.qm)"
print(f"python {sys.version.split()[0]} at {sys.prefix}")
PYEOF
for script in "$VENV"/bin/*; do
  [ -L "$script" ] && continue
  first=$(head -n1 "$script")
  case "$first" in
    '#!/opt/kiosk/.venv/bin/python'*|'#!/bin/sh'*|'#!/bin/bash'*) ;;
    '#!'*) fail "$script: shebang '$first' is not the installed environment's python" ;;
  esac
done
if grep -rqF "$SRC" "$VENV"; then fail "the build's source path is named in $(grep -rlF "$SRC" "$VENV" | head -3)"; fi
[ "$(readlink "$ROOT/usr/bin/kiosk")" = /opt/kiosk/.venv/bin/kiosk ] || fail "/usr/bin/kiosk does not point at the environment's kiosk"
# every path of ours the unit runs is in the package (the unit is installed as it is in git)
for unit in kiosk.service kiosk-console.service; do
  for path in $(grep -E '^Exec' "$ROOT/lib/systemd/system/$unit" | grep -oE '/(opt|usr/bin)/kiosk[^ ]*'); do
    [ -e "$ROOT$path" ] || [ -L "$ROOT$path" ] || fail "$unit runs $path, which the package does not install"
  done
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | grep -qx /etc/kiosk/kiosk.toml \
  || fail "/etc/kiosk/kiosk.toml is not a conffile"
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$DEB" | tar -xO "./$script" | sh -n || fail "$script: syntax"
done

echo "== kiosk --version"
"$PY" "$VENV/bin/kiosk" --version

echo "== kiosk migrate against a scratch ledger, with the shipped configuration"
mkdir -p "$SCRATCH/secrets" "$SCRATCH/data" "$SCRATCH/outgoing"
printf 'fbs-secret\n' > "$SCRATCH/secrets/fbs-password"
openssl rand -hex 32 > "$SCRATCH/secrets/bon-signing-key" 2>/dev/null \
  || "$PY" -c 'import secrets; print(secrets.token_hex(32))' > "$SCRATCH/secrets/bon-signing-key"
sed -e "s#/etc/kiosk/secrets/#$SCRATCH/secrets/#g" \
    -e "s#^data_dir = .*#data_dir = \"$SCRATCH/data\"#" \
    -e "s#^output_dir = .*#output_dir = \"$SCRATCH/outgoing\"#" \
    "$ROOT/etc/kiosk/kiosk.toml" > "$SCRATCH/kiosk.toml"
export KIOSK_SIP2_PASSWORD=sip2-secret
"$PY" "$VENV/bin/kiosk" migrate --config "$SCRATCH/kiosk.toml" | tee "$SCRATCH/migrate.out"
ls "$SCRATCH"/data/*.sqlite3 >/dev/null 2>&1 || fail "kiosk migrate made no SQLite ledger in $SCRATCH/data"
"$PY" "$VENV/bin/kiosk" migrate --config "$SCRATCH/kiosk.toml" | cmp -s - "$SCRATCH/migrate.out" \
  || fail "a second kiosk migrate (as on upgrade) did not leave the ledger at the same revision"
"$PY" "$VENV/bin/kiosk" audit --config "$SCRATCH/kiosk.toml" >/dev/null || fail "kiosk audit of the new ledger"

if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
  echo "== as installed: /usr/bin/kiosk with the scratch root's /opt/kiosk mounted at /opt/kiosk"
  rm -rf "$SCRATCH/data"/*
  unshare --mount --propagation private env ROOT="$ROOT" CONFIG="$SCRATCH/kiosk.toml" sh -ec '
    mount -t tmpfs tmpfs /opt
    mkdir /opt/kiosk
    mount --bind "$ROOT/opt/kiosk" /opt/kiosk
    "$ROOT/usr/bin/kiosk" --version
    "$ROOT/usr/bin/kiosk" migrate --config "$CONFIG"'
else
  echo "== as installed: skipped (needs root for a private mount namespace)"
fi

echo "== sysusers: a reinstall after a purge gets the ledger's owner back as the kiosk user"
SYSROOT=$SCRATCH/sysroot
mkdir -p "$SYSROOT/etc" "$SYSROOT/var/lib/kiosk"
if [ "$(id -u)" -eq 0 ]; then
  chown 987:987 "$SYSROOT/var/lib/kiosk"
  systemd-sysusers --root="$SYSROOT" "$ROOT/usr/lib/sysusers.d/kiosk.conf" 2>/dev/null
  grep -q '^kiosk:x:987:987:' "$SYSROOT/etc/passwd" || fail "sysusers did not reuse the ledger folder's uid"
  for group in dialout video input; do
    grep -qE "^$group:x:[0-9]+:(.*,)?kiosk(,|$)" "$SYSROOT/etc/group" || fail "kiosk is not in $group"
  done
  echo "kiosk user: $(grep '^kiosk:' "$SYSROOT/etc/passwd")"
else
  echo "skipped (needs root to chown)"
fi

echo "== lintian"
# (not --show-overrides: lintian 2.116 then fails on the overridden errors too)
lintian --fail-on error --no-tag-display-limit "$DEB" > "$SCRATCH/lintian.txt" 2>&1 && status=0 || status=$?
grep -E '^E: ' "$SCRATCH/lintian.txt" || true
echo "warnings (count, tag):"
grep -E '^W: ' "$SCRATCH/lintian.txt" | awk '{print $3}' | sort | uniq -c | sort -rn || true
echo "overridden, with the reason: packaging/deb/lintian-overrides"
[ "$status" -eq 0 ] || fail "lintian reports errors (exit $status)"
echo "deb check: ok"
