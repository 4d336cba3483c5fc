#!/usr/bin/env bash
# Build the automat's Debian package into dist/: `make deb` (docs/operations.md, Install).
# Progress goes to stderr; the one line on stdout is the package's path.
#
# A staged tree packed with dpkg-deb (docs/architecture.md, The Debian package, says why not
# dh-virtualenv): a virtual environment of Debian's own Python 3.11 is built in a staging folder at
# STAGE/opt/kiosk/.venv, the locked dependencies (packaging/requirements.lock, hashes checked) and
# the project's wheel installed into it, and every place where the environment names its own path
# (script shebangs, activate, pyvenv.cfg) rewritten to /opt/kiosk/.venv, where dpkg puts it. Nothing is byte-compiled here: the postinst compiles at
# the final path. Needs: /usr/bin/python3 (3.11) with python3-venv, dpkg-deb, and for
# pyscard (no Linux wheel) swig and libpcsclite-dev; the project's .venv supplies pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
PKG=kiosk
PREFIX=/opt/kiosk/.venv
DEBIAN_PYTHON=/usr/bin/python3.11
BUILD_PIP=${BUILD_PIP:-$SRC/.venv/bin/python}
OUT=${OUT:-$SRC/dist}
LOCK=packaging/requirements.lock

need() { command -v "$1" >/dev/null 2>&1 || { echo "make deb: $1 is missing (apt-get install $2)" >&2; exit 2; }; }
need dpkg-deb dpkg
need swig swig
[ -x "$DEBIAN_PYTHON" ] || { echo "make deb: $DEBIAN_PYTHON is missing (apt-get install python3.11-venv)" >&2; exit 2; }
[ -e /usr/include/PCSC/winscard.h ] || { echo "make deb: PC/SC headers missing (apt-get install libpcsclite-dev)" >&2; exit 2; }

UPSTREAM=$("$BUILD_PIP" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
VERSION="$UPSTREAM-1"
ARCH=$(dpkg --print-architecture)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/root
VENV=$STAGE$PREFIX

# the lock (make lock) must still answer pyproject.toml: one line naming what disagrees
"$BUILD_PIP" packaging/lock_check.py || exit 1

echo "== wheel of the project" >&2
# its output (setuptools' deprecation notices) is shown only if it fails
"$BUILD_PIP" -m pip wheel --quiet --no-deps -w "$WORK/wheel" "$SRC" > "$WORK/wheel.log" 2>&1 \
  || { cat "$WORK/wheel.log" >&2; exit 1; }
WHEEL=$(ls "$WORK"/wheel/*.whl)
rm -rf "$SRC/build"

echo "== virtual environment at $PREFIX (staged)" >&2
"$DEBIAN_PYTHON" -m venv --without-pip "$VENV"
# pip runs under Debian's Python (--python), with a cache of its own: a wheel built from source
# (pyscard) by another Python, e.g. the developer's .venv, would carry that Python's library path.
# Its output is shown without the notices about absent local package folders some machines name.
pip_install() {
  local status=0
  PIP_CACHE_DIR=${KIOSK_DEB_PIP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-deb-pip} \
    "$BUILD_PIP" -m pip --python "$VENV/bin/python" install --quiet --no-compile \
    --disable-pip-version-check "$@" > "$WORK/pip.log" 2>&1 || status=$?
  grep -v "is neither a file nor a directory" "$WORK/pip.log" >&2 || true
  return "$status"
}
# exactly the locked dependencies (pyproject's extras pcsc, postgres, sftp), each checked against
# its hash, then the project without resolving anything more; pip check: nothing is missing
pip_install --require-hashes -r "$LOCK" \
  || { echo "make deb: pip could not install $LOCK" >&2; exit 1; }
pip_install --no-deps "$WHEEL" || { echo "make deb: pip did not install the project" >&2; exit 1; }
[ -x "$VENV/bin/kiosk" ] || { echo "make deb: pip did not install the project" >&2; exit 1; }
if ! "$BUILD_PIP" -m pip --python "$VENV/bin/python" check > "$WORK/check.log" 2>&1; then
  echo "make deb: $LOCK lacks a dependency: $(tr '\n' ' ' < "$WORK/check.log")" >&2
  exit 1
fi
# the template debtor profiles, where kiosk.config.debtor.SHIPPED_PROFILES looks for them
SITE=$(echo "$VENV"/lib/python3.*/site-packages)
mkdir -p "$SITE/config"
cp -r config/debtor "$SITE/config/debtor"
# what Debian's tools expect of installed files (dh_strip, dh_fixperms): shared objects stripped
# and not executable, no executable bit on what is neither a program nor a script, no VCS files
find "$VENV" -name __pycache__ -prune -exec rm -rf {} +
find "$VENV" -name .gitignore -delete
find "$SITE" -type f \( -name '*.so' -o -name '*.so.*' \) -exec chmod 0644 {} + \
  -exec strip --remove-section=.comment --remove-section=.note --strip-unneeded {} +
find "$SITE" -type f -perm /111 -print0 | while IFS= read -r -d '' f; do
  case "$(head -c 4 "$f" | od -An -c | tr -d ' ')" in
    '#!'*|177ELF) ;;
    *) chmod a-x "$f" ;;
  esac
done
# the environment's own path, as dpkg will install it; pip's record of the build's wheel path
find "$SITE" -path '*biblioteks_betalingsautomat-*.dist-info/direct_url.json' -delete
grep -rlI --null -F "$VENV" "$VENV" | xargs -0 -r sed -i "s#$VENV#$PREFIX#g"
if grep -rqF "$STAGE" "$VENV"; then
  echo "make deb: the staging path is still named in:" >&2
  grep -rlF "$STAGE" "$VENV" >&2
  exit 1
fi

echo "== the rest of the tree" >&2
install -d "$STAGE/usr/bin" "$STAGE/etc/kiosk" "$STAGE/lib/systemd/system" \
  "$STAGE/lib/udev/rules.d" "$STAGE/usr/lib/sysusers.d" "$STAGE/usr/lib/tmpfiles.d" \
  "$STAGE/usr/share/doc/$PKG/examples" "$STAGE/usr/share/lintian/overrides" "$STAGE/DEBIAN"
ln -s "$PREFIX/bin/kiosk" "$STAGE/usr/bin/kiosk"
install -m 0644 config/kiosk.example.toml "$STAGE/etc/kiosk/kiosk.toml"
install -m 0644 packaging/systemd/kiosk.service "$STAGE/lib/systemd/system/kiosk.service"
install -m 0644 packaging/systemd/kiosk-console.service "$STAGE/lib/systemd/system/kiosk-console.service"
install -m 0644 packaging/console/nginx.conf "$STAGE/usr/share/doc/$PKG/examples/console-nginx.conf"
install -m 0644 packaging/udev/99-kiosk-devices.rules "$STAGE/lib/udev/rules.d/99-kiosk-devices.rules"
install -m 0644 packaging/deb/kiosk.sysusers "$STAGE/usr/lib/sysusers.d/kiosk.conf"
install -m 0644 packaging/deb/kiosk.tmpfiles "$STAGE/usr/lib/tmpfiles.d/kiosk.conf"
install -m 0644 packaging/deb/copyright "$STAGE/usr/share/doc/$PKG/copyright"
install -m 0644 packaging/deb/lintian-overrides "$STAGE/usr/share/lintian/overrides/$PKG"
install -m 0644 config/debtor/*.toml "$STAGE/usr/share/doc/$PKG/examples/"
sed "s/@VERSION@/$VERSION/" packaging/deb/changelog | gzip -9n > "$STAGE/usr/share/doc/$PKG/changelog.Debian.gz"
for script in postinst prerm postrm; do
  install -m 0755 "packaging/deb/$script" "$STAGE/DEBIAN/$script"
done
echo /etc/kiosk/kiosk.toml > "$STAGE/DEBIAN/conffiles"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" \
  packaging/deb/control > "$STAGE/DEBIAN/control"

echo "== dpkg-deb" >&2
mkdir -p "$OUT"
DEB="$OUT/${PKG}_${VERSION}_${ARCH}.deb"
# gzip -1: ~20 s for the ~360 MB of the environment, where gzip -6 takes ~55 s for 10% less and
# xz minutes; zstd would be faster still, but lintian calls a zstd package malformed
dpkg-deb --root-owner-group -Zgzip -z1 --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
