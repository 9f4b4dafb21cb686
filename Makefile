# The two commands of the README: `make demo` and `make test`.
# JDK 25 wins over a JAVA_HOME that points at the machine's default (older) JDK.
JAVA_HOME := $(or $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*)),$(JAVA_HOME))
export JAVA_HOME
MVN := mvn -B --no-transfer-progress
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

.PHONY: deps guest member build demo test docs clean
deps:
	@scripts/install-deps.sh

# The host process of a pod member (src/main/c/hull-member.c): a few hundred KiB where a JVM is ~40 MiB.
MEMBER := target/native/hull-member
member: $(MEMBER)
$(MEMBER): src/main/c/hull-member.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

guest: deps
	$(MAKE) -C guest

# The guest, the jar (target/hull.jar + target/lib) that bin/hull runs.
build: guest member
	$(MVN) -q -DskipTests -Dhull.commit=$(COMMIT) package
	scripts/aot-train.sh

# Builds what is needed and runs a busybox container in a VM.
demo: build
	scripts/demo.sh

# Guest build + the agent's own unit tests (guest/agent/test) + every Maven test (unit, host-mode agent,
# real VMs under TCG, the CLI).
test: guest member
	$(MAKE) -C guest/agent check
	$(MVN) -Dhull.commit=$(COMMIT) verify

# The API documentation (target/reports/apidocs) and a coverage report of every test (target/reports/coverage):
# the whole test suite once more, with JaCoCo's agent in each JVM.
docs: guest member
	$(MVN) -P docs -Dhull.commit=$(COMMIT) verify
	@echo "API: target/reports/apidocs/index.html  coverage: target/reports/coverage/index.html"

clean:
	$(MAKE) -C guest clean
	rm -rf target
