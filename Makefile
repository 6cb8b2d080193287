# The two commands of the README: `make demo` and `make test`. Each installs what is missing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PORT ?= 8000

.PHONY: demo test env uv system-deps lint bench

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set, every process would otherwise
# recompile the ~2,400 modules it imports (about 6 s for a command, the web server or a worker).
env: uv
	@$(UV) sync --frozen --quiet --compile-bytecode

system-deps:
	@bash scripts/system-deps.sh

demo: env
	@$(UV) run python manage.py migrate --noinput -v 0
	@$(UV) run python manage.py demo_data
	@echo ""
	@echo "  vendorscore is starting at http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web server, worker and scheduler)"
	@echo ""
	@PORT=$(PORT) $(UV) run honcho start -f Procfile

test: env system-deps
	@$(UV) run pytest $(PYTEST_ARGS)

lint: env
	@$(UV) run ruff check .
	@$(UV) run ruff format --check .
