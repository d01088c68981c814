# mk/tls.mk - the TLS layer: its tests, the suite against mbedTLS 3.6, and
# the handshake bench.
#
# Included by the top-level Makefile; make runs from the repository root.
#
#   make test-mbedtls3   build mbedTLS 3.6 from Debian 13's source (once,
#                        about 10 s) and run `make test` against it in
#                        build/mbedtls3/: every test, the mock server and
#                        the CLI linked with 3.6
#   make bench           handshake cost, full and resumed, over loopback
#                        against the mock: wall time and instructions
#
# `make test` uses the machine's mbedTLS (Debian 12: 2.28); .ci/run runs
# both lines.

MBEDTLS3_DIR := build/mbedtls-3.6
MBEDTLS3_LIBS := $(MBEDTLS3_DIR)/lib/libmbedtls.a \
	$(MBEDTLS3_DIR)/lib/libmbedx509.a $(MBEDTLS3_DIR)/lib/libmbedcrypto.a
B3 := build/mbedtls3

TESTS += $(B)/test_tls $(B)/test_secrets $(B)/test_inject

.PHONY: mbedtls3 test-mbedtls3 check-warnings-mbedtls3

$(MBEDTLS3_DIR)/lib/libmbedtls.a:
	sh scripts/build-mbedtls-host.sh 3.6 build

mbedtls3: $(MBEDTLS3_DIR)/lib/libmbedtls.a

# A server stuck at TLS 1.0/1.1 needs mbedTLS 2 (3.x cannot speak them), so
# the 3.6 run takes that one mock from the default build.
test-mbedtls3: mbedtls3 deps build/mock_server check-warnings-mbedtls3
	TNX_MOCK_OLD_TLS=build/mock_server $(MAKE) B=$(B3) \
	    MBEDTLS_CFLAGS=-I$(MBEDTLS3_DIR)/include \
	    MBEDTLS="$(MBEDTLS3_LIBS)" test

# ---- Tests ----

$(B)/test_tls: tests/test_tls.c $(PORT_POSIX) $(PORT_MEM) $(HDR) \
	tests/tnx_test.h tests/tnx_e2e.h | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(SAN) \
	    $(MBEDTLS_CFLAGS) $(INC) -Itests -o $@ $< $(PORT_POSIX) \
	    $(PORT_MEM) $(MBEDTLS)

$(B)/test_secrets: tests/test_secrets.c $(PORT_POSIX) $(HDR) \
	tests/tnx_test.h tests/tnx_e2e.h | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(SAN) \
	    $(MBEDTLS_CFLAGS) $(INC) -Itests -o $@ $< $(PORT_POSIX) $(MBEDTLS)

# Plain HTTP over the mem port (TNX_NO_TLS): the bytes on the wire.
$(B)/test_inject: tests/test_inject.c $(PORT_MEM) $(HDR) tests/tnx_test.h \
	| $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)

# ---- Warnings against the 3.6 headers too ----

# The header, gcc and clang in C99 and g++ in C++, against 3.6; then the
# programs and tests that use mbedTLS directly.  -H lists every header
# read: one from /usr/include/mbedtls would be a 2.28 header standing in
# for one that 3.6 lacks (3.x dropped some), so it fails the check.
TNX_IMPL_C := '\#define TELNYX_PORTING_IMPLEMENTATION\n\#include "$(HDR)"\n'
MBEDTLS3_USERS := examples/initiate.c tests/mock/mock_server.c \
	tests/test_tls.c tests/test_secrets.c tests/test_mem_tls.c \
	tests/test_e2e.c

# Part of make test-mbedtls3, not of make test: make test stays offline
# and uses only the machine's mbedTLS 2.28.
check-warnings-mbedtls3: mbedtls3 deps | $(B)
	@printf $(TNX_IMPL_C) > $(B)/impl3.c
	@cp $(B)/impl3.c $(B)/impl3.cpp
	gcc   $(STRICT) -I$(MBEDTLS3_DIR)/include -I. -c $(B)/impl3.c \
	    -o $(B)/impl3-gcc.o
	clang $(STRICT) -I$(MBEDTLS3_DIR)/include -I. -c $(B)/impl3.c \
	    -o $(B)/impl3-clang.o
	g++ -std=c++11 -Wall -Wextra -Werror -I$(MBEDTLS3_DIR)/include -I. \
	    -c $(B)/impl3.cpp -o $(B)/impl3-gxx.o
	@if nm $(B)/impl3-gcc.o | grep -E ' U (malloc|calloc|realloc|free)$$'; \
	then echo "the library calls an allocator (3.6 build)"; exit 1; fi
	for f in $(B)/impl3.c $(MBEDTLS3_USERS); do \
	    clang $(STRICT) -I$(MBEDTLS3_DIR)/include $(INC) -Itests \
	        -D_POSIX_C_SOURCE=200809L -fsyntax-only -H $$f \
	        2> $(B)/impl3.headers || { cat $(B)/impl3.headers; exit 1; }; \
	    if grep '/usr/include/mbedtls' $(B)/impl3.headers; then \
	        echo "$$f: a 2.28 header in the 3.6 build"; exit 1; fi; done
	for f in tests/test_tls.c tests/test_secrets.c tests/test_inject.c; do \
	    clang $(STRICT) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	        -D_POSIX_C_SOURCE=200809L -fsyntax-only $$f || exit 1; done

# ---- Bench ----

# Not sanitized: callgrind counts what a user's build would run.
$(B)/bench_tls: tests/bench_tls.c $(PORT_POSIX) $(HDR) tests/tnx_e2e.h \
	| $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L -O2 -g $(MBEDTLS_CFLAGS) \
	    $(INC) -Itests -o $@ $< $(PORT_POSIX) $(MBEDTLS)

# Both mbedTLS lines, each with its own mock (3.6 negotiates TLS 1.3).
bench:: deps mbedtls3 $(B)/bench_tls $(B)/mock_server
	@sh scripts/need.sh valgrind
	@$(MAKE) --no-print-directory B=$(B3) \
	    MBEDTLS_CFLAGS=-I$(MBEDTLS3_DIR)/include \
	    MBEDTLS="$(MBEDTLS3_LIBS)" $(B3)/bench_tls $(B3)/mock_server
	@sh scripts/bench-tls.sh $(B) $(B3) $(B3):--tls-max,1.2
