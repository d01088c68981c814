# mk/size.mk - the footprint in the README, and the host benchmark.
#
#   make readme-size   run `make size` and put its tables into README.md,
#                      between the footprint markers
#   make bench         tnx_initiate over loopback TLS against the mock
#                      under callgrind (the library's instructions apart
#                      from mbedTLS's), and calls per second on one
#                      kept-alive connection versus a new client per call
#
# Included by the top-level Makefile after mk/cortex-m.mk.

.PHONY: readme-size

readme-size: size
	sh scripts/readme-size.sh $(CM_OUT)/footprint.md README.md

# make test: the library's object code, host and Cortex-M, references no
# allocator (the script names the symbols it looks for).
TESTS += tests/check_no_alloc.sh

# ---- make bench ----
BENCH_FLAGS := -O2 -g
BENCH_PACKAGES := valgrind

$(B)/bench/impl.c: | $(B)
	@mkdir -p $(dir $@)
	@printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "%s"\n' \
	    telnyx_porting.h > $@

# The library in its own object, as a user compiles it (-O2), so that no
# public function is inlined into the benchmark's code.
$(B)/bench_initiate: tests/bench_initiate.c $(B)/bench/impl.c $(PORT_POSIX) \
	$(HDR) tests/tnx_e2e.h | $(B)
	$(CC) $(STRICT) -D_POSIX_C_SOURCE=200809L $(BENCH_FLAGS) \
	    $(MBEDTLS_CFLAGS) $(INC) -o $@ tests/bench_initiate.c \
	    $(B)/bench/impl.c $(PORT_POSIX) $(MBEDTLS)

bench:: deps $(B)/bench_initiate $(B)/mock_server
	@sh scripts/need.sh $(BENCH_PACKAGES)
	@sh scripts/bench.sh
