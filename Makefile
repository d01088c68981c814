# telnyx_porting.h — build, test and demo.
#
#   make            the CLI (build/initiate), the mock server and the tests
#   make test       every test, sanitizers on; last line "N passed, N failed"
#   make demo       the CLI against the mock over TLS on localhost
#   make clean
#
# Missing Debian packages are installed first (scripts/need.sh says which).

CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif
B       := build
STRICT  := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror
CFLAGS  ?= -O1 -g
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all
INC     := -I. -Iports
MBEDTLS ?= -lmbedtls -lmbedx509 -lmbedcrypto
MBEDTLS_CFLAGS ?=
PACKAGES := gcc g++ clang make libmbedtls-dev

PORT_POSIX := ports/tnx_port_posix.c
PORT_MEM   := ports/tnx_port_mem.c
HDR        := telnyx_porting.h

TESTS := $(B)/test_json $(B)/test_http $(B)/test_e2e $(B)/test_port_contract \
         $(B)/test_mem_tls $(B)/test_lean

.PHONY: all deps test demo clean check-warnings bench fuzz

# Fragments add to TESTS and PACKAGES, and add to `bench` and `fuzz` with
# double-colon rules (bench:: ...), so each layer keeps its own file.
.DEFAULT_GOAL := all
-include mk/*.mk
all: deps $(B)/initiate $(B)/mock_server $(TESTS)

deps:
	@sh scripts/need.sh $(PACKAGES)

$(B):
	@mkdir -p $(B)

# The CLI, as a user builds it: no sanitizers.
$(B)/initiate: examples/initiate.c $(PORT_POSIX) $(HDR) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(MBEDTLS_CFLAGS) $(INC) -o $@ \
	    examples/initiate.c $(PORT_POSIX) $(MBEDTLS)

$(B)/mock_server: tests/mock/mock_server.c | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(MBEDTLS_CFLAGS) \
	    -o $@ $< $(MBEDTLS)

# Tests run under AddressSanitizer and UndefinedBehaviorSanitizer.
$(B)/test_json: tests/test_json.c $(HDR) tests/tnx_test.h | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	    -o $@ $< $(MBEDTLS)

$(B)/test_http: tests/test_http.c $(PORT_MEM) $(HDR) tests/tnx_test.h | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	    -o $@ $< $(PORT_MEM) $(MBEDTLS)

$(B)/test_e2e: tests/test_e2e.c $(PORT_POSIX) $(HDR) tests/tnx_test.h \
              tests/tnx_e2e.h | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(SAN) \
	    $(MBEDTLS_CFLAGS) $(INC) -Itests -o $@ $< $(PORT_POSIX) $(MBEDTLS)

$(B)/test_port_contract: tests/test_port_contract.c $(PORT_POSIX) \
                         $(PORT_MEM) $(HDR) | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(SAN) \
	    $(MBEDTLS_CFLAGS) $(INC) -Itests -o $@ $< $(PORT_POSIX) \
	    $(PORT_MEM) $(MBEDTLS)

$(B)/test_lean: tests/test_lean.c $(PORT_MEM) $(HDR) tests/tnx_test.h | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)

$(B)/test_mem_tls: tests/test_mem_tls.c $(PORT_MEM) $(HDR) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	    -o $@ $< $(PORT_MEM) $(MBEDTLS)

# The header, with its implementation, under gcc, clang and C++.
check-warnings: deps | $(B)
	@printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "telnyx_porting.h"\n' \
	    > $(B)/impl.c
	@cp $(B)/impl.c $(B)/impl.cpp
	gcc   $(STRICT) $(MBEDTLS_CFLAGS) -I. -c $(B)/impl.c -o $(B)/impl-gcc.o
	clang $(STRICT) $(MBEDTLS_CFLAGS) -I. -c $(B)/impl.c -o $(B)/impl-clang.o
	gcc   $(STRICT) -DTNX_NO_TLS -I. -c $(B)/impl.c -o $(B)/impl-notls.o
	gcc   $(STRICT) -DTNX_STATIC $(MBEDTLS_CFLAGS) -I. -c $(B)/impl.c \
	    -o $(B)/impl-static.o
	clang $(STRICT) -DTNX_NO_LOG -DTNX_NO_STATUS_TEXT $(MBEDTLS_CFLAGS) -I. \
	    -c $(B)/impl.c -o $(B)/impl-lean.o
	clang $(STRICT) -DTNX_STATIC $(MBEDTLS_CFLAGS) -I. -c $(B)/impl.c \
	    -o $(B)/impl-static.o
	clang $(STRICT) -DTNX_NO_TLS -I. -c $(B)/impl.c -o $(B)/impl-notls.o
	g++ -std=c++11 -Wall -Wextra -Werror $(MBEDTLS_CFLAGS) -I. \
	    -c $(B)/impl.cpp -o $(B)/impl-gxx.o
	for f in examples/initiate.c tests/mock/mock_server.c $(PORT_POSIX) \
	    $(PORT_MEM) tests/test_json.c tests/test_http.c tests/test_e2e.c \
	    tests/test_port_contract.c tests/test_mem_tls.c tests/test_lean.c; do \
	    clang $(STRICT) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	        -D_POSIX_C_SOURCE=200809L -fsyntax-only $$f || exit 1; done
	@if nm $(B)/impl-gcc.o $(B)/impl-notls.o | \
	    grep -E ' U (malloc|calloc|realloc|free)$$'; then \
	    echo "the library calls an allocator"; exit 1; fi

test: all check-warnings
	@sh tests/run.sh $(TESTS)

demo: deps $(B)/initiate $(B)/mock_server
	@sh tests/demo.sh

clean:
	rm -rf $(B)

