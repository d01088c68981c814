# The JSON layer: corpus test, fuzz target, benchmark.

# Speed is measured optimised, without sanitizers, as a device builds it.
$(B)/bench_json: tests/bench_json.c $(HDR) | $(B)
	$(CC) $(STRICT) -O2 $(INC) -o $@ $<

bench:: $(B)/bench_json
	@sh scripts/need.sh valgrind
	@sh tests/bench_json.sh $(B)/bench_json
