# The single entry point for people and CI. `make run` and `make test` are the README's contract.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPACY := models/spacy-en/meta.json
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: install run test lint lock clean demo

install: $(STAMP) $(SPACY)

$(STAMP): pyproject.toml requirements.lock
	@start=$$(date +%s); \
	if [ ! -x $(PY) ]; then \
		python310=$$(scripts/find-python310) || exit 1; \
		echo "creating $(VENV) with $$python310"; \
		$$python310 -m venv $(VENV) || exit 1; \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock && \
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . && \
	$(PY) -m pip check && \
	touch $(STAMP) && \
	echo "make install: venv ready in $$(( $$(date +%s) - start )) s"

$(SPACY): $(STAMP) bot/nlp/pipeline.py
	$(PY) -m bot.nlp.pipeline build models/spacy-en

run: install
	$(VENV)/bin/csba db upgrade
	$(VENV)/bin/csba db seed
	$(VENV)/bin/csba examples

test: install lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Re-resolve the whole venv from pyproject.toml and rewrite requirements.lock.
lock:
	rm -rf /tmp/csba-lock-venv && $$(scripts/find-python310) -m venv /tmp/csba-lock-venv
	/tmp/csba-lock-venv/bin/pip install --quiet -e '.[dev]'
	( echo '# Exact pins for the whole venv (Python 3.10). Regenerate with `make lock` after changing pyproject.toml.'; \
	  /tmp/csba-lock-venv/bin/pip freeze --exclude-editable ) > requirements.lock

clean:
	rm -rf $(VENV) models/spacy-en var/*.db var/outbox
