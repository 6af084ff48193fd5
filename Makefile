# groundwork — every operator and developer entry point. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
STACK ?= groundwork
# The Node the image ships, when `make install` put it in .local/node (the machine's node
# is another major): every target's node, npm, tsc and mocha run on it.
export PATH := $(CURDIR)/.local/node/bin:$(PATH)

.PHONY: help install build test lint typecheck format-check bench \
        up down ps logs logs-since monitor rollout rollback scale secrets tls backup backups restore rebalance \
        swarm swarm-rollout swarm-down \
        cluster cluster-test cluster-down

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

install: ## Install what tests need (Node deps, Redis, nginx, shellcheck, FerretDB, schemathesis), skipping what is there
	@bash stack/install.sh

build: ## Compile TypeScript into dist/
	npm run build

test: install ## Install what is missing, then typecheck, lint, format check and every test against real servers
	@bash stack/test.sh

lint: ## Type-check, lint and format-check without running tests
	npm run typecheck && npm run lint && npm run format:check

typecheck: ## TypeScript type check
	npm run typecheck

bench: install ## Benchmark groundwork against bare Node/Koa baselines; prints the table, writes the chart
	@bash stack/bench.sh

up: ## Deploy to Docker Swarm and wait for it; a running stack keeps web's image and replicas unless IMAGE= or N= says otherwise
	@N='$(N)' bash stack/up.sh $(STACK)

down: ## Remove the Swarm stack (volumes and secrets are kept)
	docker stack rm $(STACK)

ps: ## Show the stack's tasks
	docker stack ps $(STACK)

logs: ## Follow the web service's JSON logs
	docker service logs $(STACK)_web -f

logs-since: ## Print what a service logged and END (docker service logs may hang): make logs-since SERVICE=web SINCE=10m
	@bash stack/logs.sh $(STACK) $(or $(SERVICE),web) $(or $(SINCE),10m)

monitor: ## Print where Prometheus and Alertmanager answer on this node (name and URL; no public port)
	@bash stack/monitor.sh $(STACK)

rollout: ## Build a new image (or take IMAGE=ref) and roll it out one replica at a time, start-first; exit 1 if Swarm rolled it back
	@bash stack/rollout.sh $(STACK)

rollback: ## Roll the web service back to its previous spec
	docker service rollback $(STACK)_web

scale: ## Scale the web service: make scale N=5 (the next make up keeps it)
	docker service scale $(STACK)_web=$(or $(N),3)

rebalance: ## Spread web's replicas over the nodes again (after a node came back); moves one replica at a time, only if needed
	@bash stack/rebalance.sh $(STACK)

secrets: ## Create each missing Swarm secret from a strong random value
	@bash secrets/create.sh

tls: ## Install a TLS certificate for nginx, checked first (nothing changes if it is bad): make tls CERT=chain.pem KEY=key.pem [NAMES="api.example.com"]
	@NAMES="$(NAMES)" bash stack/tls.sh "$(CERT)" "$(KEY)" $(STACK)

backup: ## Take a backup now, copied to ./backups/ (prints its path); the stack also backs up every BACKUP_INTERVAL s
	@bash stack/backup.sh backup $(STACK)

backups: ## List the archives on the backup volume, newest last (name, bytes, time, documents per collection)
	@bash stack/backup.sh list $(STACK)

restore: ## Restore the newest archive, or FILE=name-or-path; checksums first; FORCE=1 to replace a database that is not empty
	@FILE='$(FILE)' FORCE='$(FORCE)' bash stack/backup.sh restore $(STACK)

swarm: install ## No registry? The real stack on a real single-node Swarm from stand-in images; prints nginx's URL
	@bash stack/swarm.sh up $(STACK)

swarm-rollout: ## Build a new image and roll it out to `make swarm`'s stack, as `make rollout` does
	@bash stack/swarm.sh rollout $(STACK)

swarm-down: ## Remove `make swarm`'s stack with its volumes, configs and secrets (images kept)
	@bash stack/swarm.sh down $(STACK)

cluster: install ## The stack on CLUSTER_NODES (3) Swarm nodes, each a container with its own engine, behind HAProxy; prints its URL and one per node
	@bash stack/cluster.sh up

cluster-test: install ## Only the 3-node tests (tests/cluster), which `make test` also runs
	@trap '[[ -n "$${CLUSTER_KEEP:-}" ]] || bash stack/cluster.sh down >/dev/null 2>&1' EXIT; npx mocha 'tests/cluster/**/*.test.ts'

cluster-down: ## Remove `make cluster`'s balancer, node containers, their volumes and network (images kept)
	@bash stack/cluster.sh down
