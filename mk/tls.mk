# mk/tls.mk - the TLS layer and input safety: their tests.
#
# Included by the top-level Makefile; make runs from the repository root.

TESTS += $(B)/test_inject

# Plain HTTP over the mem port (TNX_NO_TLS): the bytes on the wire.
$(B)/test_inject: tests/test_inject.c $(PORT_MEM) $(HDR) tests/tnx_test.h \
	| $(B)
	$(CC) $(STRICT) $(CFLAGS) $(SAN) $(INC) -Itests -o $@ $< $(PORT_MEM)
