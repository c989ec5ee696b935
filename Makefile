# The single entry point for people and CI. `make run` and `make test` are the README's contract.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPACY := models/spacy-en/meta.json
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: install run train shell test lint lock clean demo

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

# Ports and stores of the running bot (README, "Chatting with the bot"). Each can be
# overridden from the environment: `RASA_PORT=5015 make run`.
RASA_PORT    ?= 5005
ACTIONS_PORT ?= 5055
SHELL_PORT   ?= 5006
CSBA_VAR_DIR ?= var
TRACKER_STORE_URL  ?= sqlite:///$(CSBA_VAR_DIR)/tracker.db
ACTION_ENDPOINT_URL ?= http://localhost:$(ACTIONS_PORT)/webhook
export RASA_PORT ACTIONS_PORT SHELL_PORT TRACKER_STORE_URL ACTION_ENDPOINT_URL

# Refuse a tracker store on the project's own database, and an action port that
# endpoints.yml does not point at.
define check_stack
	@if [ -n "$$DATABASE_URL" ] && [ "$$TRACKER_STORE_URL" = "$$DATABASE_URL" ]; then \
		echo "TRACKER_STORE_URL must not be the project's DATABASE_URL: keep conversations in their own database" >&2; exit 1; fi
	@if ! grep -q 'ACTION_ENDPOINT_URL' endpoints.yml && [ "$(ACTIONS_PORT)" != 5055 ]; then \
		echo "endpoints.yml sends actions to port 5055; ACTIONS_PORT=$(ACTIONS_PORT) needs its action_endpoint url changed" >&2; exit 1; fi
endef
port_busy = (exec 3<>/dev/tcp/127.0.0.1/$(1)) 2>/dev/null

# Install, database and demo data (printing the demo triage), model (trained only when
# config, domain or data changed), then the action server and Rasa together under
# honcho (Procfile), after printing how to chat. Ctrl-C stops both.
run: install
	$(call check_stack)
	@for port in $(RASA_PORT) $(ACTIONS_PORT); do \
		if $(call port_busy,$$port); then echo "port $$port is in use (is the bot already running?)" >&2; exit 1; fi; \
	done
	$(VENV)/bin/csba db upgrade
	$(VENV)/bin/csba db seed
	$(VENV)/bin/csba examples
	@mkdir -p "$(CSBA_VAR_DIR)"; \
	export RASA_MODEL=$$($(PY) -m bot.training --print-path) || exit 1; \
	if [ -z "$$RASA_TOKEN" ]; then export RASA_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); fi; \
	demo_token=$$($(VENV)/bin/csba token B-1 --ttl 480) || exit 1; \
	url="http://localhost:$(RASA_PORT)"; \
	echo; \
	echo "================ the CSBA triage bot ================"; \
	echo "model:          $$RASA_MODEL"; \
	echo "tracker store:  $$TRACKER_STORE_URL"; \
	echo "HTTP API token: $$RASA_TOKEN   (RASA_TOKEN; e.g. curl '$$url/status?token=$$RASA_TOKEN')"; \
	echo; \
	echo "Chat as demo buyer B-1 (signed token, valid 8 h; another: .venv/bin/csba token B-2):"; \
	echo "  curl -s $$url/webhooks/csba_rest/webhook -H 'Content-Type: application/json' \\"; \
	echo "    -H 'Authorization: Bearer $$demo_token' \\"; \
	echo "    -d '{\"message\": \"Where is my order 112-0000001-0000001?\"}'"; \
	echo; \
	echo "Chat anonymously (the bot asks for the order number, then its ZIP code: 98101):"; \
	echo "  curl -s $$url/webhooks/csba_rest/webhook -H 'Content-Type: application/json' \\"; \
	echo "    -d '{\"sender\": \"me\", \"message\": \"Where is my order 112-0000003-0000003?\"}'"; \
	echo "  curl -s $$url/webhooks/csba_rest/webhook -H 'Content-Type: application/json' \\"; \
	echo "    -d '{\"sender\": \"me\", \"message\": \"98101\"}'"; \
	echo; \
	echo "Chat in a terminal: make shell   (in another terminal; it reuses this action server)"; \
	echo "Conversation of anonymous sender 'me': curl '$$url/conversations/anon-me/tracker?token=$$RASA_TOKEN'"; \
	echo "====================================================="; \
	echo "Starting both processes; the bot is ready when Rasa logs 'Rasa server is up and running'."; \
	echo; \
	exec $(VENV)/bin/honcho start -f Procfile

# Train the Rasa model if config.yml, domain.yml or data/ changed (prints the time).
# `make train ARGS=--force` retrains; `ARGS="--force --no-cache"` retrains every component.
train: install
	$(PY) -m bot.training $(ARGS)

# `rasa shell` against the same stack: the database, the model and an action server.
# Reuses the action server of a running `make run`; otherwise starts one for the
# session (log: $(CSBA_VAR_DIR)/actions-shell.log) and stops it on exit.
shell: install
	$(call check_stack)
	@if $(call port_busy,$(SHELL_PORT)); then echo "port $(SHELL_PORT) is in use; set SHELL_PORT" >&2; exit 1; fi
	$(VENV)/bin/csba db upgrade
	$(VENV)/bin/csba db seed
	@mkdir -p "$(CSBA_VAR_DIR)"; \
	model=$$($(PY) -m bot.training --print-path) || exit 1; \
	if $(call port_busy,$(ACTIONS_PORT)); then \
		echo "make shell: using the action server already on port $(ACTIONS_PORT)"; \
	else \
		echo "make shell: starting the action server on port $(ACTIONS_PORT) (log: $(CSBA_VAR_DIR)/actions-shell.log)"; \
		$(VENV)/bin/rasa run actions --actions actions --port $(ACTIONS_PORT) > "$(CSBA_VAR_DIR)/actions-shell.log" 2>&1 & \
		actions_pid=$$!; \
		trap 'kill $$actions_pid 2>/dev/null; wait $$actions_pid 2>/dev/null' EXIT; \
		for _ in $$(seq 1 120); do \
			$(call port_busy,$(ACTIONS_PORT)) && break; \
			kill -0 $$actions_pid 2>/dev/null || { echo "the action server failed:" >&2; tail -20 "$(CSBA_VAR_DIR)/actions-shell.log" >&2; exit 1; }; \
			sleep 1; \
		done; \
	fi; \
	$(VENV)/bin/rasa shell --endpoints endpoints.yml -m "$$model" --port $(SHELL_PORT)

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
