# The JSON layer: corpus test, fuzz target, benchmark.

# Speed is measured optimised, without sanitizers, as a device builds it;
# symbols are bound at load (-z now) so no lazy binding is counted.
$(B)/bench_json: tests/bench_json.c $(HDR) | $(B)
	$(CC) $(STRICT) -O2 $(INC) -o $@ $< -Wl,-z,now

bench:: deps $(B)/bench_json
	@sh scripts/need.sh valgrind
	@sh tests/bench_json.sh $(B)/bench_json

# The corpus: every document of tests/json/ whole, byte by byte, cut in two
# at every byte (the documents are read at run time).
TESTS += $(B)/test_json_corpus
$(B)/test_json_corpus: tests/test_json_corpus.c tests/json_check.h $(HDR) \
                       tests/tnx_test.h | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $<

# libFuzzer target, seeded with the corpus; new inputs go to build/, never
# to tests/json/.  clang and its runtime are installed when missing.
FUZZ_SECONDS ?= 60
$(B)/fuzz_json: tests/fuzz/fuzz_json.c tests/json_check.h $(HDR) | $(B)
	@sh scripts/need.sh clang libclang-rt-14-dev
	clang $(STRICT) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all $(INC) -Itests -o $@ $<

fuzz:: $(B)/fuzz_json
	@mkdir -p $(B)/fuzz_json.corpus
	$(B)/fuzz_json -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -dict=tests/fuzz/json.dict -artifact_prefix=$(B)/fuzz_json- \
	    $(B)/fuzz_json.corpus tests/json

# The JSON layer's own programs also compile clean under clang.
.PHONY: check-warnings-json
check-warnings: check-warnings-json
check-warnings-json: deps
	for f in tests/test_json_corpus.c tests/bench_json.c \
	    tests/fuzz/fuzz_json.c; do \
	    clang $(STRICT) $(INC) -Itests -fsyntax-only $$f || exit 1; done
