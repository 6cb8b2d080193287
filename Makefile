# The two commands of the README: `make demo` and `make test`. Each installs what is missing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PORT ?= 8000
export PORT
# Collected, hashed and compressed once; again only when a static file or a package changes.
STATIC_MANIFEST := var/staticfiles/staticfiles.json

.PHONY: demo test env uv system-deps lint bench

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv

# Bytecode compiled once (uv skips it when nothing changed), so no process compiles pandas or
# scipy at start-up, even where PYTHONDONTWRITEBYTECODE is set: that was most of a slow start.
env: uv
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run python -m compileall -q manage.py vendorscore sla reports

system-deps:
	@bash scripts/system-deps.sh

demo: env $(STATIC_MANIFEST)
	@$(UV) run python manage.py migrate --noinput -v 0 --skip-checks
	@STATIC_HASHED=true $(UV) run python manage.py demo_data --skip-checks
	@echo ""
	@echo "  vendorscore is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web server, worker and scheduler)"
	@echo ""
	@STATIC_HASHED=true $(UV) run honcho start -f Procfile

$(STATIC_MANIFEST): $(shell find static -type f) uv.lock
	@echo "Collecting and compressing the static files (once; again only when they change)..."
	@STATIC_HASHED=true $(UV) run python manage.py collectstatic --noinput -v 0 --clear

# CI runs the same suite under coverage: make test PYTEST="coverage run -m pytest".
PYTEST ?= pytest
test: env system-deps
	@$(UV) run $(PYTEST) $(PYTEST_ARGS)

# Style, then the layers: the import contracts of pyproject.toml ([tool.importlinter]).
lint: env
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
	@$(UV) run lint-imports --no-cache
