# The two commands of the README: `make demo` and `make test`.
JAVA_HOME ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*-25-* /usr/lib/jvm/jdk-25*))
export JAVA_HOME
MVN := mvn -B -q
ROOTFS := target/busybox-rootfs

.PHONY: deps guest test clean java
deps:
	@scripts/install-deps.sh

guest: deps
	$(MAKE) -C guest

# Guest build + every Maven test (unit, host-mode agent, real VMs under TCG).
test: guest
	$(MVN) verify

clean:
	$(MAKE) -C guest clean
	rm -rf target
