# jobboard: one entry point. PGXS builds the extension (extension/Makefile),
# plain rules build the shim (shim/Makefile); scripts/ does the rest.
#
#   make            build the extension and the shim
#   make install    install the extension into PostgreSQL (sudo when not root)
#   make run        local cluster in .pgdata + demo data + shim on :8080
#   make test       every suite in a fresh temporary cluster
#   make installcheck  pg_regress against the server at PGHOST/PGPORT
#   make psql       psql as superuser on the local cluster's database
#   make clean      remove build outputs (not .pgdata)
#   make bench      benchmark: large data set, wrk vs pgbench (bench/bench.sh)

ifeq ($(origin PG_CONFIG),undefined)
PG_CONFIG := $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
endif
export PG_CONFIG

# The one version number, read once, passed to the shim build.
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" extension/jobboard.control)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Sub-makes may run in parallel inside; the steps here run in order.
.NOTPARALLEL:
.PHONY: all extension shim shim-asan install deps run test installcheck psql clean

all: extension shim

extension:
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG)

shim:
	$(MAKE) -C shim EXTVERSION=$(EXTVERSION)

shim-asan:
	$(MAKE) -C shim asan EXTVERSION=$(EXTVERSION)

install: extension
	$(SUDO) $(MAKE) -C extension install PG_CONFIG=$(PG_CONFIG)

deps:
	scripts/deps.sh

run: deps
	$(MAKE) all install
	scripts/run.sh

test: deps
	$(MAKE) all shim-asan install
	scripts/test.sh

installcheck:
	scripts/regress.sh

psql:
	scripts/psql.sh

clean:
	$(MAKE) -C extension clean PG_CONFIG=$(PG_CONFIG)
	if [ -f shim/Makefile ]; then $(MAKE) -C shim clean; fi
	rm -rf results regression.diffs regression.out

# Deployment (deploy/, debian/, META.json; README "Deploying"). These install
# what they need themselves (deploy/packages.txt) and leave the machine's
# PostgreSQL directories alone.
#   make deb          Debian packages postgresql-15-jobboard, jobboard-http -> deploy/out/deb/
#   make deb-test     install, use, purge them in a fresh container
#   make dist         META.json check, then jobboard-<version>.zip (git archive of HEAD)
#   make images       container images jobboard-postgres and jobboard-http
#   make deploy-test  the deploy/k8s topology in podman, end to end through nginx
.PHONY: deb deb-test dist images deploy-test

deb:
	deploy/deb.sh

deb-test: deb
	deploy/deb-test.sh

dist:
	deploy/dist.sh

images:
	deploy/images.sh

deploy-test: images
	deploy/deploy-test.sh

# make bench: the large data set in its own cluster (bench/.pgdata, port
# 54340; made once), then wrk against the shim and pgbench against the same
# SQL functions; prints one table and updates bench/RESULTS.md.
.PHONY: bench
bench: deps
	$(MAKE) all install
	bench/bench.sh
