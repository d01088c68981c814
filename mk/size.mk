# mk/size.mk - the footprint in the README, and the host benchmark.
#
#   make readme-size   run `make size` and put its tables into README.md,
#                      between the footprint markers
#   make bench         one tnx_initiate over loopback TLS against the mock
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
