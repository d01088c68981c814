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
	clang $(STRICT) $(MBEDTLS_CFLAGS) $(INC) -Itests $(LWIP_CFLAGS) \
	    -fsyntax-only $< ports/tnx_port_lwip.c

# ---- Windows: mingw-w64 cross build, run under wine ----
# Not in `make test`: the toolchain and wine are about 120 MB to download
# and wine's first start writes a 700 MB prefix.  .ci/run calls it.
# No TLS: Debian has no mbedTLS built for mingw.

WIN_CC := x86_64-w64-mingw32-gcc
WIN_OUT := $(B)/windows
WIN_EXE := $(WIN_OUT)/test_port_contract_win.exe
WIN_SRC := tests/test_port_contract_win.c ports/tnx_port_win.c
WINE := /usr/lib/wine/wine64

.PHONY: windows windows-deps

windows-deps:
	@sh scripts/need.sh gcc-mingw-w64-x86-64 wine64 wine64-preloader clang

# gcc builds it; clang, aimed at the same mingw headers, must also compile
# it without a warning.
$(WIN_EXE): $(WIN_SRC) tests/port_contract.h ports/tnx_port_win.h $(HDR) \
            | windows-deps
	@mkdir -p $(WIN_OUT)
	$(WIN_CC) $(STRICT) -O1 -DTNX_NO_TLS $(INC) -Itests -o $@ $(WIN_SRC) \
	    -lws2_32 -lbcrypt
	clang --target=x86_64-w64-mingw32 $(STRICT) -DTNX_NO_TLS $(INC) \
	    -Itests -fsyntax-only $(WIN_SRC)

# wine's own complaints (no display, no tray) go to wine.log.
windows: $(WIN_EXE)
	WINEPREFIX=$(abspath $(WIN_OUT))/wine WINEDEBUG=-all $(WINE) $(WIN_EXE) \
	    2>$(WIN_OUT)/wine.log || { tail -n 20 $(WIN_OUT)/wine.log; exit 1; }
