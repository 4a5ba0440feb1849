# weir: `make demo` and `make test` work on a fresh machine with Python 3.11+.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
RUN := $(UV) run --frozen

.PHONY: bootstrap install demo test lint format typecheck imports pytest bench mrv clean up down shell db-shell run-all-pipelines

bootstrap:  ## install uv when it is missing
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: bootstrap  ## every dependency, every extra, exactly as locked
	$(UV) sync --frozen --all-extras

demo: install  ## sample data → every pipeline → every UI on http://127.0.0.1:8000
	$(RUN) weir demo

test: install lint typecheck imports pytest  ## the whole suite, every marker

lint:
	$(RUN) ruff check src tests benchmarks scripts
	$(RUN) ruff format --check src tests benchmarks scripts

format:
	$(RUN) ruff check --fix src tests benchmarks scripts
	$(RUN) ruff format src tests benchmarks scripts

typecheck:
	$(RUN) mypy

imports:
	$(RUN) lint-imports

pytest:
	$(RUN) pytest

bench: install  ## every benchmark, printing its comparison table
	@for bench in benchmarks/*.py; do echo "== $$bench"; $(RUN) python $$bench || exit 1; done

mrv: install  ## migrate, ingest the MRV sample data, calculate
	$(RUN) weir db upgrade
	$(RUN) weir sample mrv --out .weir/samples/mrv
	$(RUN) weir mrv ingest .weir/samples/mrv
	$(RUN) weir mrv calculate

clean:
	rm -rf .weir .pytest_cache .mypy_cache .ruff_cache test-artifacts

# --- the compose stack (Docker; not available on the build machines) ------------------------
MRV_DATA ?= /data/weir/samples/mrv

up:  ## start app, postgres, dashboard and jupyter
	docker compose up -d

down:  ## stop the containers
	docker compose down

shell:  ## a shell in the app container
	docker compose exec app bash

db-shell:  ## psql on the compose database
	docker compose exec postgres psql -U weir -d weir

run-all-pipelines:  ## in the app container: migrate, ingest, calculate (the sample unless MRV_DATA)
	docker compose up -d
	docker compose exec app weir db upgrade
	test "$(MRV_DATA)" != /data/weir/samples/mrv || docker compose exec app weir sample mrv --out /data/weir/samples/mrv
	docker compose exec app weir mrv ingest $(MRV_DATA)
	docker compose exec app weir mrv calculate
