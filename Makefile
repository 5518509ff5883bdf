# The two commands: `make up` runs the platform, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help venv up test lint format typecheck clean bench bench-api bench-soak bench-executor fault security

help:
	@echo "make up     run the platform on the embedded SQLite database (http://127.0.0.1:8000)"
	@echo "make test   lint, type-check and run every test (starts PostgreSQL and PgBouncer)"
	@echo "make fault  fault suite: SIGKILLed workers, PostgreSQL/PgBouncer restarts, full or read-only disk"
	@echo "make security   sandbox and API attack suite, role matrix, schemathesis (writes reliability/results)"
	@echo "make bench  the whole stack under S1-S4 (200/s 10-node, 100/s 30-node, 50/s design, 100 users)"
	@echo "make bench-api   API latency of design ops and submits at fixed rates, middleware overhead"
	@echo "make bench-soak  10 minutes of 10-node chains at 20/s: executor RSS at start and end"
	@echo "make bench-executor   executions/s and latency of 1-, 10- and 30-node chains vs PGQueuer"
	@echo "make lint | format | typecheck | clean"

venv:
	@scripts/bootstrap-venv.sh

up: venv
	@scripts/up.sh

test: venv
	@scripts/test.sh

fault: venv
	@reliability/run.sh fault

security: venv
	@reliability/run.sh security

bench: venv
	@bash bench/run.sh $(BENCH_ARGS)

bench-api: venv
	@bash bench/api/run.sh $(BENCH_ARGS)

bench-soak: venv
	@bash bench/run.sh --soak $(BENCH_ARGS)

bench-executor: venv
	@bash bench/executor/run.sh

lint: venv
	.venv/bin/ruff check --config ruff.toml chain-processor-*/
	.venv/bin/ruff format --check --config ruff.toml chain-processor-*/

format: venv
	.venv/bin/ruff check --fix --config ruff.toml chain-processor-*/
	.venv/bin/ruff format --config ruff.toml chain-processor-*/

typecheck: venv
	@for project in chain-processor-*/pyproject.toml; do \
	  (cd $$(dirname $$project) && ../.venv/bin/mypy src) || exit 1; done

clean:
	rm -rf .venv .venv-deploy var
