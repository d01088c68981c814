# mk/http.mk - the HTTP layer's tests, benchmark and fuzz target (issue 4).
#
# Included by the top-level Makefile; make runs from the repository root.
#
#   make test       also runs the tests below (sanitizers on, except for
#                   test_http_huge, which streams 1 GiB and is built -O2)
#   make bench      deadline figures: asked vs measured, against the mock
#   make fuzz       libFuzzer on the response parser for FUZZ_SECONDS (60)
#   make test-tls13 tests/test_http_tls.c against mbedTLS 3.6 (TLS 1.3)

HTTP_TESTS := $(B)/test_http_framing $(B)/test_retry $(B)/test_http_bytecut \
              $(B)/test_http_huge $(B)/test_http_mock $(B)/test_http_tls

TESTS += $(HTTP_TESTS)

HTTP_MEM_DEPS := $(PORT_MEM) $(HDR) tests/tnx_test.h tests/mem_fixture.h

$(B)/test_http_framing: tests/test_http_framing.c $(HTTP_MEM_DEPS) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)

$(B)/test_retry: tests/test_retry.c $(HTTP_MEM_DEPS) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)

$(B)/test_http_bytecut: tests/test_http_bytecut.c $(HTTP_MEM_DEPS) \
                        $(wildcard tests/corpus/http/*.http) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)

# Starts build/mock_server and build/initiate (`all` builds them).
$(B)/test_http_mock: tests/test_http_mock.c $(PORT_POSIX) $(HDR) \
                     tests/tnx_test.h tests/tnx_e2e.h | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(CFLAGS) $(SAN) \
	    $(MBEDTLS_CFLAGS) $(INC) -Itests -o $@ $< $(PORT_POSIX) $(MBEDTLS)

$(B)/test_http_tls: tests/test_http_tls.c $(PORT_MEM) $(HDR) \
                    tests/tnx_test.h | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	    -o $@ $< $(PORT_MEM) $(MBEDTLS)

# Streams 2 GiB through the parser: -O2, no sanitizers (see the file).
$(B)/test_http_huge: tests/test_http_huge.c $(HDR) tests/tnx_test.h | $(B)
	$(CC) $(STRICT) -O2 $(INC) -Itests -o $@ $<

# The new test files under clang too (the main list is in the Makefile).
HTTP_SOURCES := tests/test_http_framing.c tests/test_retry.c \
                tests/test_http_bytecut.c tests/test_http_huge.c \
                tests/test_http_mock.c tests/test_http_tls.c \
                tests/fuzz/fuzz_http.c
check-warnings: check-warnings-http
check-warnings-http: deps
	for f in $(HTTP_SOURCES); do \
	    clang $(STRICT) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	        -D_POSIX_C_SOURCE=200809L -fsyntax-only $$f || exit 1; done
.PHONY: check-warnings-http

# Deadline figures: each case three times with deadlines of 2 to 5.5 s.
bench:: $(B)/test_http_mock $(B)/mock_server
	@echo "== HTTP deadlines, asked vs measured (mock over TLS, localhost)"
	@$(B)/test_http_mock --bench

# libFuzzer on the response parser (and the JSON reader behind it).  New
# inputs go to build/fuzz-corpus-http; crashes to build/fuzz-http-*.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all

$(B)/fuzz_http: tests/fuzz/fuzz_http.c $(PORT_MEM) $(HDR) | $(B)
	@sh scripts/need.sh clang libclang-rt-14-dev
	clang $(STRICT) $(FUZZ_FLAGS) $(INC) -o $@ $< $(PORT_MEM)

fuzz:: $(B)/fuzz_http
	@mkdir -p $(B)/fuzz-corpus-http
	$(B)/fuzz_http -max_total_time=$(FUZZ_SECONDS) \
	    -dict=tests/fuzz/http.dict -artifact_prefix=$(B)/fuzz-http- \
	    -print_final_stats=1 $(B)/fuzz-corpus-http tests/corpus/http

# TLS 1.3 and its NewSessionTicket messages need mbedTLS 3.x; Debian 12's
# is 2.28.  This builds Debian's 3.6 source for the host (once, into
# build/mbedtls-3.6) and runs tests/test_http_tls.c against it.
# (mk/tls.mk has the rule that builds it, for make test-mbedtls3 too.)
MBEDTLS36 := build/mbedtls-3.6
MBEDTLS36_LIBS := $(MBEDTLS36)/lib/libmbedtls.a $(MBEDTLS36)/lib/libmbedx509.a \
                  $(MBEDTLS36)/lib/libmbedcrypto.a

$(B)/test_http_tls13: tests/test_http_tls.c $(PORT_MEM) $(HDR) \
                      tests/tnx_test.h $(MBEDTLS36)/lib/libmbedtls.a
	$(CC) $(STRICT) $(CFLAGS) $(SAN) -isystem $(MBEDTLS36)/include $(INC) \
	    -Itests -o $@ $< $(PORT_MEM) $(MBEDTLS36_LIBS)

test-tls13: deps $(B)/test_http_tls13
	@sh tests/run.sh $(B)/test_http_tls13
.PHONY: test-tls13
