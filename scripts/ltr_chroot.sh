#!/usr/bin/env bash
# Build (once) and enter a Debian forky chroot holding Debian's QGIS LTR (3.44) with Python
# 3.14, for `make test-ltr`. The chroot is cached under $LTR_ROOT (default
# /var/cache/city-safety-risk-map/forky), outside the repository, so `make clean` leaves it.
# Usage: ltr_chroot.sh build            build or update the chroot (idempotent)
#        ltr_chroot.sh run CMD...       run CMD inside it, the repository bind-mounted at /src
set -euo pipefail
LTR_ROOT=${LTR_ROOT:-/var/cache/city-safety-risk-map/forky}
SUITE=${LTR_SUITE:-forky}
MIRROR=${LTR_MIRROR:-http://deb.debian.org/debian}
REPO=$(cd "$(dirname "$0")/.." && pwd)
# Debian's own packages: QGIS and every Python package Debian has for the plugin and its tests.
PACKAGES="qgis python3-qgis qgis-providers qgis-plugin-grass- xvfb xauth fonts-noto-cjk \
poppler-utils zbar-tools python3-pip python3-geopandas python3-shapely python3-pyogrio python3-pyproj \
python3-rasterio python3-networkx python3-openpyxl python3-pandas python3-numpy \
python3-stdnum python3-xlsxwriter python3-dateutil python3-pytest locales ca-certificates \
make git pyqt5-dev-tools qttools5-dev-tools python3-venv"
STAMP=$LTR_ROOT/.csrm-packages

mounted() { mountpoint -q "$LTR_ROOT/$1"; }
mount_all() {
  for d in proc sys dev dev/pts; do mkdir -p "$LTR_ROOT/$d"; done
  mounted proc || mount -t proc proc "$LTR_ROOT/proc"
  mounted sys || mount --rbind /sys "$LTR_ROOT/sys"
  mounted dev || mount --rbind /dev "$LTR_ROOT/dev"
  mkdir -p "$LTR_ROOT/src"
  mounted src || mount --bind "$REPO" "$LTR_ROOT/src"
}
umount_all() {
  for d in src dev sys proc; do
    mounted "$d" && umount -R -l "$LTR_ROOT/$d" || true
  done
}

build() {
  if ! command -v debootstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  fi
  if [ ! -x "$LTR_ROOT/usr/bin/apt-get" ]; then
    echo "debootstrap $SUITE into $LTR_ROOT (once; a few minutes)"
    mkdir -p "$(dirname "$LTR_ROOT")"
    rm -rf "$LTR_ROOT.partial"
    # Debian 12's debootstrap has no script for forky; sid's is the same.
    debootstrap --variant=minbase "$SUITE" "$LTR_ROOT.partial" "$MIRROR" \
      /usr/share/debootstrap/scripts/sid
    mv "$LTR_ROOT.partial" "$LTR_ROOT"
  fi
  if [ "$(cat "$STAMP" 2>/dev/null)" != "$PACKAGES" ]; then
    cp /etc/resolv.conf "$LTR_ROOT/etc/resolv.conf"
    # The archive's snapshot of a testing suite can carry an expired Release date; the
    # signatures are still checked.
    echo 'Acquire::Check-Valid-Until "false";' > "$LTR_ROOT/etc/apt/apt.conf.d/99csrm-valid-until"
    mount_all
    trap umount_all EXIT
    chroot "$LTR_ROOT" bash -c "export DEBIAN_FRONTEND=noninteractive;
      apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES" 
    echo "$PACKAGES" > "$STAMP"
  fi
}

run() {
  cp /etc/resolv.conf "$LTR_ROOT/etc/resolv.conf"
  # The host's certificate authorities (this network inspects TLS with its own CA): pip in the
  # chroot reaches PyPI as the host's pip does.
  cp /etc/ssl/certs/ca-certificates.crt "$LTR_ROOT/etc/csrm-host-ca.crt"
  mount_all
  trap umount_all EXIT
  chroot "$LTR_ROOT" env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-root \
    PIP_CERT=/etc/csrm-host-ca.crt SSL_CERT_FILE=/etc/csrm-host-ca.crt "$@"
}

case "${1:-}" in
  build) build ;;
  run) shift; build; run "$@" ;;
  *) echo "usage: $0 build | run CMD..." >&2; exit 2 ;;
esac
