# mk/ports.mk - ports beyond POSIX and mem.  Included by the top-level
# Makefile; make runs from the repository root.
#
#   make test       also runs the lwIP port through the contract test, on
#                   Debian's liblwip-dev (lwIP's unix port, in-process)
#   make windows    cross-builds the Windows port and its contract test
#                   with mingw-w64, and runs it under wine when wine is
#                   there (see ports/README.md)

# ---- lwIP: the contract test against Debian's liblwip (lwIP 2.1.3) ----

LWIP_INC := -isystem /usr/include/lwip
# Debian's lwIP arch headers need POSIX's SSIZE_MAX, or they typedef
# ssize_t themselves and clash with glibc's.
LWIP_CFLAGS := -D_POSIX_C_SOURCE=200809L $(LWIP_INC)

PACKAGES += liblwip-dev
TESTS += $(B)/test_port_contract_lwip

$(B)/test_port_contract_lwip: tests/test_port_contract_lwip.c \
                              tests/port_contract.h ports/tnx_port_lwip.c \
                              ports/tnx_port_lwip.h $(HDR) | $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(MBEDTLS_CFLAGS) $(INC) -Itests \
	    $(LWIP_CFLAGS) -o $@ $< ports/tnx_port_lwip.c -llwip -lpthread
