# The two commands: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test fuzz install lint format messages migrate seed worker beat bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# --no-proxy-headers: uvicorn would otherwise take X-Forwarded-For from 127.0.0.1 as the client;
# Django decides which forwarded address to trust (NUM_PROXIES).
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo  # loads the bundled map of Jakarta (load_wilayah) first
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/uvicorn jaki.asgi:application --host $(HOST) --port $(PORT) --lifespan off --no-proxy-headers

test: install
	CELERY_TASK_ALWAYS_EAGER=true $(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: install
	bash .ci/fuzz

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages --locale id --locale en --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

migrate: install
	$(BIN)/python manage.py migrate --no-input

worker: install
	$(BIN)/celery -A jaki worker -Q default,push,ingest,probes --loglevel INFO

beat: install
	$(BIN)/celery -A jaki beat --loglevel INFO

bench: install
	$(BIN)/python bench/regions_locate.py

clean:
	rm -rf $(VENV) staticfiles
