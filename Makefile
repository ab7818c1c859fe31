# The same steps as .ci/run, one at a time. `make ci` is exactly what CI runs on a clean checkout.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install lock check smoke test test-pg coverage ci

install:  ## a virtual environment with the locked versions
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test]'

lock:  ## refresh constraints.txt from what is installed (after changing setup.cfg's dependencies)
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^pkg_resources' > constraints.txt

check:  ## lint, import contracts, types
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

smoke:  ## the README's first command on a scratch database
	bash .ci/smoke

test:  ## the suite on SQLite, then the coverage floor checked by coverage itself (its own exit code)
	$(VENV)/bin/pytest --cov --cov-report=
	$(VENV)/bin/coverage report --skip-covered --fail-under=$$(cat .ci/coverage-floor)

test-pg:  ## the suite on PostgreSQL
	VECHE_TEST_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest

ci:
	bash .ci/run
