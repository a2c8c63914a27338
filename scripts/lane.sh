#!/usr/bin/env bash
# The whole suite as a user's QGIS holds the plugin: QGIS's own Python (no venv), the plugin
# enabled in a QGIS profile, its Python packages installed by its own installer
# (citysafety:install_packages through qgis_process, as a user or an administrator runs it).
# `make test-user` runs it on the host (Debian 12, QGIS 3.22, Python 3.11, numpy 1.24) from
# an offline wheelhouse of the low ends of requirements.txt; `make test-ltr` inside the Debian
# forky chroot (QGIS 3.44 LTR, Python 3.14, numpy 2.4), where Debian's packages come first.
# Usage: lane.sh WORKDIR [WHEELHOUSE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mkdir -p "$1" && cd "$1" && pwd)
WHEELS=${2:+$(realpath "$2")}
PY=/usr/bin/python3
# Debian's wrapper passes its QGIS_OPTS (--noversioncheck), which qgis_process 3.22 refuses
QP=$(command -v qgis_process.bin || command -v qgis_process)
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-$(id -u)
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
rm -rf "$WORK/qgis" "$WORK/tmp" && mkdir -p "$WORK/qgis" "$WORK/tmp"
PROFILE=$WORK/qgis/profiles/default
mkdir -p "$PROFILE/python/plugins"
ln -s "$ROOT" "$PROFILE/python/plugins/city_safety_risk_map"
export QGIS_CUSTOM_CONFIG_PATH=$WORK/qgis
# keep the installed packages between runs (an update, as for a user)
mkdir -p "$WORK/dependencies" && ln -s "$WORK/dependencies" "$PROFILE/python/dependencies"

echo "== $($QP 2>&1 | grep -m1 -o 'QGIS.*' || true), $($PY --version)"
$QP plugins enable city_safety_risk_map >/dev/null
echo "== the plugin's installer: $QP run citysafety:install_packages ${WHEELS:+(offline: $WHEELS)}"
start=$(date +%s)
$QP run citysafety:install_packages ${WHEELS:+--WHEELHOUSE="$WHEELS"} 2>&1 \
  | grep -v "^Location\|ignored: it is neither" | tail -25
echo "== installed in $(( $(date +%s) - start )) s: $(ls "$WORK/dependencies"/*/* -d 2>/dev/null)"
export CSRM_QGIS_PROFILE=$PROFILE
# the real-QGIS install test (tests/gui/test_real_qgis.py) installs into a fresh profile from it
if [ -n "$WHEELS" ]; then export CSRM_WHEELHOUSE=$WHEELS; fi

# pytest and pytest-qgis beside QGIS's Python (on PYTHONPATH, nothing else there), unless
# Debian's are new enough.
TOOLS=$WORK/testtools
need=""
$PY -c "import pytest, sys; sys.exit(int(pytest.__version__.split('.')[0]) < 8)" 2>/dev/null \
  || need="pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1"
$PY -c "import pytest_qgis" 2>/dev/null || need="$need pytest-qgis==5.0.2"
if [ -n "$need" ] && [ "$(cat "$TOOLS/.installed" 2>/dev/null)" != "$need" ]; then
  rm -rf "$TOOLS" && $PY -m pip install -q --disable-pip-version-check --no-deps --target "$TOOLS" $need
  echo "$need" > "$TOOLS/.installed"
fi
export PYTHONPATH=$ROOT${need:+:$TOOLS}
cd "$ROOT"
core=0; qgis=0
echo "== core lane"
$PY -m pytest -q -p no:cacheprovider -p no:pytest_qgis --basetemp="$WORK/tmp/core" tests/core || core=$?
echo "== QGIS lane"
$PY -m pytest -q -p no:cacheprovider --basetemp="$WORK/tmp/qgis" --ignore=tests/core || qgis=$?
echo "core lane exit $core, QGIS lane exit $qgis"
test $core -eq 0 -a $qgis -eq 0
