# Gongzhi 共治 — set-up and everyday commands. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test test-browser install serve lint format messages clean

$(BIN)/gongzhi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/gongzhi

demo: install
	$(BIN)/gongzhi migrate --noinput
	$(BIN)/gongzhi seed --scale small
	$(BIN)/gongzhi demo_logins
	$(BIN)/gongzhi serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile gongzhi

serve: install
	$(BIN)/gongzhi serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd gongzhi && ../$(BIN)/gongzhi makemessages -l zh_Hans -l en --no-obsolete && ../$(BIN)/gongzhi compilemessages

clean:
	rm -rf $(VENV) data

test-browser: install
	$(BIN)/python -m pytest -q -p no:xdist browser_tests
