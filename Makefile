# City Safety Risk Map (城市安全风险一张图) — set-up, demo, tests, benchmarks.
# Every target that needs the tools goes through `setup`, which installs what is missing
# (Debian's QGIS and tools, CJK fonts, a venv with the pinned packages) and is idempotent.

SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PLUGIN := city_safety_risk_map
SYS_PY := /usr/bin/python3
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
VENV_SITE = $(wildcard $(VENV)/lib/python3*/site-packages)
APT_PACKAGES := qgis python3-qgis qgis-providers xvfb xauth fonts-noto-cjk poppler-utils zbar-tools \
	pyqt5-dev-tools qttools5-dev-tools python3-venv python3-pip
# The shared store's server for the tests and make demo-postgis (Debian 12's; docs/postgis.md §5).
# Not part of `apt`: the release zip and the QGIS 3.44 chroot's lane do without it.
PG_PACKAGES := postgresql postgresql-15-postgis-3
OUT := $(ROOT)/out
# Tests and scripts run headless with a throw-away QGIS profile.
RUN_ENV := QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-$$(id -u) PYTHONPATH=$(ROOT)

.PHONY: setup apt postgis-server venv translations lint test test-user test-ltr wheelhouse demo demo-postgis bench fuzz qgis screenshots sample \
	install-screenshots \
	zip clean help

help:
	@echo "make demo   - set up, run the pipeline on the bundled sample city, print a summary"
	@echo "make test   - set up and run the test suite"
	@echo "make demo-postgis - the shared store on a throw-away PostGIS server (docs/postgis.md)"
	@echo "make lint   - ruff over the whole tree, mypy over plugin/core (configuration in pyproject.toml)"
	@echo "make test-user - the suite with QGIS 3.22's own Python and the plugin's installer (no venv)"
	@echo "make test-ltr  - the suite in a Debian forky chroot with QGIS 3.44 LTR (cached outside the tree)"
	@echo "make wheelhouse PLATFORM=win_amd64 PYTHON=3.12 [NUMPY=1.26.4] - an offline wheelhouse zip"
	@echo "make bench  - time and measure each stage by input size"
	@echo "make fuzz   - a long fuzz campaign of the import (N=5000 cases)"
	@echo "make qgis   - start QGIS with the plugin in a throw-away profile"
	@echo "make zip    - build the release zip in dist/"

setup: apt postgis-server venv translations

apt postgis-server: PACKAGES = $(if $(filter postgis-server,$@),$(PG_PACKAGES),$(APT_PACKAGES))
apt postgis-server:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing from apt:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-lock.txt requirements-dev.txt
	@test -x $(PY) || $(SYS_PY) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c requirements-lock.txt \
	  -r requirements-dev.txt
	@touch $@

translations: $(patsubst %.ts,%.qm,$(wildcard i18n/*.ts))

i18n/%.qm: i18n/%.ts
	@lrelease -silent $< -qm $@

# Two lanes: tests/core without QGIS (pytest-qgis not loaded; tests/core/conftest.py fails a
# test that imports QGIS), then the rest with QGIS. Both run; either failing (pytest's exit 5,
# no tests collected, included) fails the target.
test: setup
	@mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	@core=0; qgis=0; \
	echo "== core lane: pytest tests/core -p no:pytest_qgis"; \
	$(RUN_ENV) CSRM_REQUIRE_POSTGIS=1 $(PY) -m pytest -q -p no:pytest_qgis tests/core || core=$$?; \
	echo "== QGIS lane: pytest --ignore=tests/core"; \
	$(RUN_ENV) CSRM_REQUIRE_POSTGIS=1 $(PY) -m pytest -q --ignore=tests/core || qgis=$$?; \
	echo "core lane exit $$core, QGIS lane exit $$qgis"; \
	test $$core -eq 0 -a $$qgis -eq 0

# The user lane: QGIS 3.22's own Python, the plugin enabled in a QGIS profile and its packages
# installed by its own installer, offline, from a wheelhouse of the low ends of the ranges.
USER_LANE := $(OUT)/user-lane
test-user: apt venv translations
	$(PY) scripts/wheelhouse.py --platform linux_x86_64 --python 3.11 --out $(USER_LANE)/wheelhouse \
	  --numpy $$($(SYS_PY) -c 'import numpy; print(numpy.__version__)') \
	  --constraint tests/data/lane/floor-constraints.txt
	scripts/lane.sh $(USER_LANE) $(USER_LANE)/wheelhouse/city_safety_risk_map-wheels-linux_x86_64-py3.11.zip

# The LTR lane: Debian forky's QGIS 3.44 in a chroot cached outside the tree (make clean keeps
# it; LTR_ROOT moves it), Debian's packages first, the plugin's installer for the rest.
test-ltr: apt translations
	scripts/ltr_chroot.sh run /src/scripts/lane.sh /root/csrm-lane

# An offline wheelhouse for an intranet QGIS (docs/install.md).
PLATFORM ?= linux_x86_64
PYTHON ?= 3.11
wheelhouse: venv
	$(PY) scripts/wheelhouse.py --platform $(PLATFORM) --python $(PYTHON) $(if $(NUMPY),--numpy $(NUMPY)) \
	  --out $(OUT)/wheelhouse

lint: apt venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

demo: setup
	@mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(RUN_ENV) $(PY) scripts/demo.py --out $(OUT)/demo

# The shared store on a throw-away PostgreSQL/PostGIS server: export, a district office's publish,
# the role model, a stale export refused (docs/postgis.md).
demo-postgis: setup
	@mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(RUN_ENV) $(PY) scripts/demo_postgis.py --out $(OUT)/demo-postgis

bench: setup
	@mkdir -p /tmp/runtime-$$(id -u) && chmod 700 /tmp/runtime-$$(id -u)
	$(RUN_ENV) $(PY) scripts/bench.py --out $(OUT)/bench $(BENCH_ARGS)
	$(RUN_ENV) $(PY) scripts/bench_proximity.py --out $(OUT)/bench $(filter --no-doc,$(BENCH_ARGS))

# A long seeded fuzz campaign of the import (the test suite runs 200 cases): make fuzz N=5000 [SEED=…]
N ?= 5000
fuzz: setup
	$(RUN_ENV) $(PY) scripts/fuzz.py --cases $(N) $(if $(SEED),--seed $(SEED)) --out $(OUT)/fuzz

sample: setup
	$(RUN_ENV) $(PY) scripts/make_sample.py resources/sample --clean

# A throw-away QGIS profile with the plugin linked in and enabled; prints its path.
define new_profile
profile=$$(mktemp -d); plugins=$$profile/profiles/default/python/plugins; \
mkdir -p $$plugins $$profile/profiles/default/QGIS; ln -s $(ROOT) $$plugins/$(PLUGIN); \
printf '[PythonPlugins]\n$(PLUGIN)=true\n' > $$profile/profiles/default/QGIS/QGIS3.ini
endef

qgis: setup
	@$(new_profile); echo "QGIS profile: $$profile"; \
	PYTHONPATH=$(VENV_SITE) QGIS_CUSTOM_CONFIG_PATH=$$profile qgis --noversioncheck

# The seed-scale city for the screenshots: the bench's generator and chain, built once and cached.
CITY_DB = $(OUT)/bench/work_1116200_s20241128/risk.gpkg

screenshots: setup
	@test -f $(OUT)/demo/risk.gpkg || $(MAKE) demo
	@test -f $(CITY_DB) && $(PY) -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('SELECT 1 FROM risk_grid')" \
	  $(CITY_DB) 2>/dev/null || \
	  $(RUN_ENV) $(PY) scripts/bench.py --out $(OUT)/bench --sizes 1116200 --no-doc \
	    --steps import score proximity cascade risk_map
	@for loc in en_US zh_CN; do \
	  for script in screenshots screenshots_city; do \
	    $(new_profile); \
	    printf '[locale]\nuserLocale=%s\noverrideFlag=true\n' $$loc >> $$profile/profiles/default/QGIS/QGIS3.ini; \
	    CSRM_ROOT=$(ROOT) CSRM_SHOT_SUFFIX=_$${loc%%_*} CSRM_CITY_DB=$(abspath $(CITY_DB)) PYTHONPATH=$(VENV_SITE) \
	      QGIS_CUSTOM_CONFIG_PATH=$$profile \
	      xvfb-run -a -s "-screen 0 1280x800x24" qgis --noversioncheck --nologo --code scripts/$$script.py; \
	  done; \
	done
	$(RUN_ENV) $(PY) scripts/shoot_postgis.py $(OUT)/demo/risk.gpkg
	@$(MAKE) --no-print-directory install-screenshots
	@ls -l docs/img

# The Install Python packages dialog in a stock QGIS (its own Python only), offline from the
# user lane's wheelhouse: the message bar, then the dialog after the install.
USER_WHEELS := $(USER_LANE)/wheelhouse/city_safety_risk_map-wheels-linux_x86_64-py3.11.zip
install-screenshots: setup
	@test -f $(USER_WHEELS) || $(PY) scripts/wheelhouse.py --platform linux_x86_64 --python 3.11 \
	  --out $(USER_LANE)/wheelhouse --numpy $$($(SYS_PY) -c 'import numpy; print(numpy.__version__)') \
	  --constraint tests/data/lane/floor-constraints.txt
	@for loc in en_US zh_CN; do \
	  $(new_profile); \
	  printf '[locale]\nuserLocale=%s\noverrideFlag=true\n' $$loc >> $$profile/profiles/default/QGIS/QGIS3.ini; \
	  env -u PYTHONPATH -u CSRM_QGIS_PROFILE CSRM_SHOT_DIR=$(ROOT)/docs/img CSRM_SHOT_SUFFIX=_$${loc%%_*} \
	    CSRM_SMOKE_OUT=$$profile/install.json CSRM_WHEELHOUSE=$(USER_WHEELS) QGIS_CUSTOM_CONFIG_PATH=$$profile \
	    xvfb-run -a -s "-screen 0 1280x800x24" qgis --noversioncheck --nologo --code tests/gui/qgis_app/install.py; \
	  cat $$profile/install.json; echo; \
	done

zip: apt translations
	@$(SYS_PY) scripts/make_zip.py

clean:
	rm -rf build dist out .pytest_cache
