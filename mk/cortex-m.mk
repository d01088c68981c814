# mk/cortex-m.mk - firmware builds: sizes for Cortex-M4 and M0+, and tests
# that run under qemu-system-arm -M mps2-an386 with semihosting.
#
# Included by the top-level Makefile; make runs from the repository root.
#
#   make cortex-m-deps   install the cross toolchain and qemu if missing
#   make size            flash (per layer), RAM and stack of the library
#                        for M4 and M0+ at -Os and -O1, with and without
#                        TLS, and mbedTLS's flash and heap in a client;
#                        writes build/cm/mbedtls-*/footprint.md
#   make test-cortex-m   run the images under qemu (the unit tests, the
#                        stack probe, tnx_initiate end to end over TLS);
#                        qemu's exit status is each test's verdict
#
# Knobs: CM_MBEDTLS (2.28 or 3.6: which Debian mbedTLS to build for the
# target), CM_CERTS (a directory with ca.pem, server.pem, server.key; a
# throwaway set is generated when it is left as is), TNX_HDR.

TNX_HDR ?= telnyx_porting.h
CM_BUILD ?= build
CM_MBEDTLS ?= 3.6
CM_CERTS ?= $(CM_BUILD)/cm-certs
CM_TIMEOUT ?= 120

CM_DIR := tests/cortex-m
# Images and sizes per mbedTLS line, so that switching lines relinks.
CM_OUT = $(CM_BUILD)/cm/mbedtls-$(CM_MBEDTLS)
CM_CC := arm-none-eabi-gcc
CM_AR := arm-none-eabi-ar
CM_SIZE := arm-none-eabi-size
CM_NM := arm-none-eabi-nm

CM4_CPU := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CM0_CPU := -mcpu=cortex-m0plus -mthumb
# The flags the library is measured with (from the project's issue).
CM_LIB_FLAGS := -std=gnu99 -DNDEBUG -ffunction-sections -fdata-sections
CM_MBED_CONF := -I$(CM_DIR) -DMBEDTLS_CONFIG_FILE='<mbedtls_config_cm4.h>'
# Our test code is held to the project's warning flags; mbedTLS's headers
# come in as system headers so that their casts do not trip -Wconversion.
CM_TEST_FLAGS := -std=c99 -Os -g -Wall -Wextra -Wpedantic -Wshadow \
	-Wconversion -Werror -ffunction-sections -fdata-sections
CM_LINK := --specs=rdimon.specs -nostartfiles -T $(CM_DIR)/mps2-an386.ld \
	-Wl,--gc-sections

CM_MBED_SRC := $(CM_BUILD)/mbedtls-$(CM_MBEDTLS)/src
CM_MBED_STAMP := $(CM_BUILD)/mbedtls-$(CM_MBEDTLS)/src.stamp
CM_MBED_INC := -isystem $(CM_MBED_SRC)/include
# Three mbedTLS builds: client-only for the sizes (M4, M0+), and client
# plus server for the handshake self-test.
CM4_MBED := $(CM_BUILD)/cm4/mbedtls-$(CM_MBEDTLS)
CM4S_MBED := $(CM_BUILD)/cm4-srv/mbedtls-$(CM_MBEDTLS)
CM0_MBED := $(CM_BUILD)/cm0/mbedtls-$(CM_MBEDTLS)
# ... and one with certificate dates checked (TNX_CM_TIME_DATE).
CM4T_MBED := $(CM_BUILD)/cm4-srv-time/mbedtls-$(CM_MBEDTLS)
CM_MBED_LIBS = $(1)/libmbedtls.a $(1)/libmbedx509.a $(1)/libmbedcrypto.a

CM_QEMU := timeout $(CM_TIMEOUT) qemu-system-arm -M mps2-an386 -nographic \
	-semihosting-config enable=on,target=native -kernel

CM_SUPPORT := $(CM_DIR)/startup.c
CM_SUPPORT_DEPS := $(CM_DIR)/startup.c $(CM_DIR)/cm_support.h \
	$(CM_DIR)/mps2-an386.ld

.PHONY: cortex-m-deps size test-cortex-m cm-mbedtls

# ---- Tools ----

# Installs only what is missing (installing a present package can upgrade
# it).  qemu-system-arm without --no-install-recommends pulls in gigabytes.
cortex-m-deps:
	@missing=""; \
	command -v $(CM_CC) >/dev/null || missing="$$missing gcc-arm-none-eabi"; \
	[ -f "$$($(CM_CC) -print-file-name=rdimon.specs 2>/dev/null)" ] || \
	    missing="$$missing libnewlib-arm-none-eabi"; \
	command -v qemu-system-arm >/dev/null || \
	    missing="$$missing qemu-system-arm"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -z "$$missing" ]; then \
	    echo "cortex-m-deps: toolchain, newlib, qemu and openssl present"; \
	else \
	    echo "cortex-m-deps: installing$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -q --no-install-recommends $$missing; \
	fi

# ---- mbedTLS for the target ----

$(CM_MBED_STAMP): scripts/mbedtls-source.sh
	sh scripts/mbedtls-source.sh $(CM_MBEDTLS) $(CM_MBED_SRC)
	touch $@

CM_MBED_DEPS := $(CM_MBED_STAMP) $(CM_DIR)/mbedtls_config_cm4.h \
	scripts/build-mbedtls-cross.sh

$(CM4_MBED)/libmbedtls.a: $(CM_MBED_DEPS) | cortex-m-deps
	CC=$(CM_CC) AR=$(CM_AR) \
	CFLAGS="$(CM4_CPU) $(CM_LIB_FLAGS) -Os $(CM_MBED_CONF) \
	-DTNX_CM_CLIENT_ONLY" \
	sh scripts/build-mbedtls-cross.sh $(CM_MBED_SRC) $(CM4_MBED)

$(CM4S_MBED)/libmbedtls.a: $(CM_MBED_DEPS) | cortex-m-deps
	CC=$(CM_CC) AR=$(CM_AR) \
	CFLAGS="$(CM4_CPU) $(CM_LIB_FLAGS) -Os $(CM_MBED_CONF)" \
	sh scripts/build-mbedtls-cross.sh $(CM_MBED_SRC) $(CM4S_MBED)

$(CM4T_MBED)/libmbedtls.a: $(CM_MBED_DEPS) | cortex-m-deps
	CC=$(CM_CC) AR=$(CM_AR) \
	CFLAGS="$(CM4_CPU) $(CM_LIB_FLAGS) -Os $(CM_MBED_CONF) \
	-DTNX_CM_TIME_DATE" \
	sh scripts/build-mbedtls-cross.sh $(CM_MBED_SRC) $(CM4T_MBED)

$(CM0_MBED)/libmbedtls.a: $(CM_MBED_DEPS) | cortex-m-deps
	CC=$(CM_CC) AR=$(CM_AR) \
	CFLAGS="$(CM0_CPU) $(CM_LIB_FLAGS) -Os $(CM_MBED_CONF) \
	-DTNX_CM_CLIENT_ONLY" \
	sh scripts/build-mbedtls-cross.sh $(CM_MBED_SRC) $(CM0_MBED)

cm-mbedtls: $(CM4_MBED)/libmbedtls.a $(CM4S_MBED)/libmbedtls.a \
	$(CM4T_MBED)/libmbedtls.a $(CM0_MBED)/libmbedtls.a

# ---- Test certificates as C arrays ----

$(CM_BUILD)/cm-certs/server.pem: scripts/gen-test-certs.sh
	sh scripts/gen-test-certs.sh $(CM_BUILD)/cm-certs

$(CM_OUT)/test_certs.h: scripts/pem2c.sh $(CM_CERTS)/server.pem
	mkdir -p $(dir $@)
	sh scripts/pem2c.sh tc_ca_pem $(CM_CERTS)/ca.pem \
	    tc_server_pem $(CM_CERTS)/server.pem \
	    tc_server_key $(CM_CERTS)/server.key > $@.tmp && mv $@.tmp $@

# The project's own test PKI (tests/certs, ECDSA P-256, CN=localhost) for
# the image that runs the library itself.
$(CM_OUT)/project/project_certs.h: scripts/pem2c.sh tests/certs/ca.pem \
	tests/certs/server.pem tests/certs/server.key
	mkdir -p $(dir $@)
	sh scripts/pem2c.sh tc_ca_pem tests/certs/ca.pem \
	    tc_server_pem tests/certs/server.pem \
	    tc_server_key tests/certs/server.key > $@.tmp && mv $@.tmp $@

# ---- The library, built as it is measured ----
# $(CM_LIB)/VARIANT.o with VARIANT = CPU-OPT-CONF[-split]: CPU m4 or m0,
# OPT Os or O1, CONF tls (mbedTLS, client-only config: what a device
# builds), tls-srv (the server compiled in too: the struct layout of the
# image that runs one) or notls (TNX_NO_TLS).  -split keeps functions
# called once out of line, for the per-layer split only.  Each object comes
# with its .su and .ci (call graph with stack usage) next to it.  The same
# stems build the in-memory port (port-mem-VARIANT.o) and the RAM probe
# (ram-VARIANT.o).
CM_LIB = $(CM_OUT)/lib
cm_cpu = $(if $(findstring m0-,$(1)),$(CM0_CPU),$(CM4_CPU))
cm_opt = $(if $(findstring -O1,$(1)),-O1,-Os)
cm_conf = $(if $(findstring notls,$(1)),-DTNX_NO_TLS, \
	$(if $(findstring srv,$(1)),,-DTNX_CM_CLIENT_ONLY)) \
	$(if $(findstring split,$(1)),-fno-inline-functions-called-once)
cm_lib_cc = $(CM_CC) $(call cm_cpu,$(1)) $(CM_LIB_FLAGS) $(call cm_opt,$(1)) \
	$(call cm_conf,$(1)) -I$(dir $(TNX_HDR)) -Iports $(CM_MBED_CONF) \
	$(CM_MBED_INC) -fstack-usage -fcallgraph-info=su
CM_LIB_DEPS = $(TNX_HDR) $(CM_DIR)/mbedtls_config_cm4.h $(CM_MBED_STAMP)

$(CM_LIB)/impl.c: | cortex-m-deps
	mkdir -p $(dir $@)
	printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "%s"\n' \
	    "$(notdir $(TNX_HDR))" > $@

$(CM_LIB)/port-mem-%.o: ports/tnx_port_mem.c ports/tnx_port_mem.h \
	$(CM_LIB_DEPS) | $(CM_LIB)/impl.c
	$(call cm_lib_cc,$*) -c $< -o $@

$(CM_LIB)/ram-%.o: $(CM_DIR)/ram_probe.c $(CM_LIB_DEPS) | $(CM_LIB)/impl.c
	$(call cm_lib_cc,$*) -c $< -o $@

$(CM_LIB)/%.o: $(CM_LIB)/impl.c $(CM_LIB_DEPS)
	$(call cm_lib_cc,$*) -c $< -o $@

# Objects, bounds and run logs are kept although later images are made
# from them (make would delete them as intermediate files).
.PRECIOUS: $(CM_LIB)/%.o $(CM_LIB)/port-mem-%.o $(CM_LIB)/ram-%.o \
	$(CM_OUT)/bounds-%/stack_bounds.h $(CM_OUT)/runs/%.log

# Calls the call graph cannot see (scripts/stack-report.awk): the reader's
# event callback, the writer's sinks, and mbedTLS calling back into the
# library's BIO and entropy functions (mbedTLS's own frames not counted).
CM_STACK_SITES := ->event(=tnx__map_event;->sink(=tnx__count_sink \
	tnx__request_sink tnx_sink_buf
CM_STACK_IO := tnx__bio_send tnx__bio_recv tnx__entropy
CM_STACK_CALLS := mbedtls_ssl_handshake=$(CM_STACK_IO)
CM_STACK_CALLS := $(CM_STACK_CALLS);mbedtls_ssl_read=$(CM_STACK_IO)
CM_STACK_CALLS := $(CM_STACK_CALLS);mbedtls_ssl_write=$(CM_STACK_IO)
CM_STACK_CALLS := $(CM_STACK_CALLS);mbedtls_ssl_close_notify=$(CM_STACK_IO)
CM_STACK_CALLS := $(CM_STACK_CALLS);mbedtls_ctr_drbg_seed=tnx__entropy
# ... and, for the stack probe, the in-memory port's hooks.
CM_PORT_SITES := ;->connect(=mem_connect;->send(=mem_send;->recv(=mem_recv
CM_PORT_SITES := $(CM_PORT_SITES);->close(=mem_close;->now_ms(=mem_now
CM_PORT_SITES := $(CM_PORT_SITES);->entropy(=mem_entropy

# Static bounds of the library plus the port, for stack_probe.c.
$(CM_OUT)/bounds-%/stack_bounds.h: $(CM_LIB)/%-Os-notls.o \
	$(CM_LIB)/port-mem-%-Os-notls.o scripts/stack-report.awk
	mkdir -p $(dir $@)
	awk -f scripts/stack-report.awk -v format=h \
	    -v sites='$(CM_STACK_SITES)$(CM_PORT_SITES)' \
	    -v calls='$(CM_STACK_CALLS)' $(CM_LIB)/$*-Os-notls.ci \
	    $(CM_LIB)/port-mem-$*-Os-notls.ci > $@.tmp && mv $@.tmp $@

# ---- Test images ----
# $(call cm_image,OUT,CPU,SOURCES,EXTRA-FLAGS,MBEDTLS-DIR-or-empty)
cm_image = $(CM_CC) $(2) $(CM_TEST_FLAGS) $(4) -I$(CM_DIR) -I$(CM_OUT) \
	$(if $(5),$(CM_MBED_CONF) $(CM_MBED_INC)) $(CM_LINK) \
	-Wl,-Map=$(1:.elf=.map) -o $(1) $(CM_SUPPORT) $(3) \
	$(if $(5),$(call CM_MBED_LIBS,$(5)))

$(CM_OUT)/hello-m4.elf: $(CM_DIR)/hello.c $(CM_SUPPORT_DEPS) \
	| cortex-m-deps
	mkdir -p $(dir $@)
	$(call cm_image,$@,$(CM4_CPU),$<)

$(CM_OUT)/hello-m4-exit3.elf: $(CM_DIR)/hello.c $(CM_SUPPORT_DEPS) \
	| cortex-m-deps
	mkdir -p $(dir $@)
	$(call cm_image,$@,$(CM4_CPU),$<,-DHELLO_STATUS=3)

# v6-M code runs on the AN386's M4 too: the M0+ build is tested there.
$(CM_OUT)/hello-m0.elf: $(CM_DIR)/hello.c $(CM_SUPPORT_DEPS) \
	| cortex-m-deps
	mkdir -p $(dir $@)
	$(call cm_image,$@,$(CM0_CPU),$<)

CM_TLS_DEPS := $(CM_DIR)/heap_meter.c $(CM_DIR)/heap_meter.h \
	$(CM_OUT)/test_certs.h $(CM_SUPPORT_DEPS)

$(CM_OUT)/tls_selftest-m4.elf: $(CM_DIR)/tls_selftest.c $(CM_TLS_DEPS) \
	$(CM4S_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$< $(CM_DIR)/heap_meter.c,,$(CM4S_MBED))

$(CM_OUT)/tls_selftest-time-m4.elf: $(CM_DIR)/tls_selftest.c \
	$(CM_TLS_DEPS) $(CM4T_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$< $(CM_DIR)/heap_meter.c, \
	    -DTNX_CM_TIME_DATE,$(CM4T_MBED))

$(CM_OUT)/tls_client_probe-m4.elf: $(CM_DIR)/tls_client_probe.c \
	$(CM_TLS_DEPS) $(CM4_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$< $(CM_DIR)/heap_meter.c, \
	    -DTNX_CM_CLIENT_ONLY,$(CM4_MBED))

$(CM_OUT)/tls_client_probe-m0.elf: $(CM_DIR)/tls_client_probe.c \
	$(CM_TLS_DEPS) $(CM0_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM0_CPU),$< $(CM_DIR)/heap_meter.c, \
	    -DTNX_CM_CLIENT_ONLY,$(CM0_MBED))


# The library's unit tests, as on the host: the JSON reader and writer, and
# the whole client over the in-memory port (plain HTTP).  The M4 images
# take the config with the server compiled in, the M0+ ones the client-only
# one, each matching the mbedTLS it links.
CM_UNIT_FLAGS := -I. -Iports -Itests
$(CM_OUT)/test_json-m4.elf: tests/test_json.c tests/tnx_test.h $(TNX_HDR) \
	$(CM_SUPPORT_DEPS) $(CM4S_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$<,$(CM_UNIT_FLAGS),$(CM4S_MBED))

$(CM_OUT)/test_json-m0.elf: tests/test_json.c tests/tnx_test.h $(TNX_HDR) \
	$(CM_SUPPORT_DEPS) $(CM0_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM0_CPU),$<,$(CM_UNIT_FLAGS) \
	    -DTNX_CM_CLIENT_ONLY,$(CM0_MBED))

$(CM_OUT)/test_http-m4.elf: tests/test_http.c ports/tnx_port_mem.c \
	tests/tnx_test.h $(TNX_HDR) $(CM_SUPPORT_DEPS) $(CM4S_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$< ports/tnx_port_mem.c, \
	    $(CM_UNIT_FLAGS),$(CM4S_MBED))

$(CM_OUT)/test_http-m0.elf: tests/test_http.c ports/tnx_port_mem.c \
	tests/tnx_test.h $(TNX_HDR) $(CM_SUPPORT_DEPS) $(CM0_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM0_CPU),$< ports/tnx_port_mem.c, \
	    $(CM_UNIT_FLAGS) -DTNX_CM_CLIENT_ONLY,$(CM0_MBED))

# Each public function's painted stack against its static bound: the very
# objects `make size` measures, without TLS.
$(CM_OUT)/stack_probe-%.elf: $(CM_DIR)/stack_probe.c \
	$(CM_OUT)/bounds-%/stack_bounds.h $(CM_LIB)/%-Os-notls.o \
	$(CM_LIB)/port-mem-%-Os-notls.o $(CM_SUPPORT_DEPS)
	$(call cm_image,$@,$(call cm_cpu,$*-),$< $(CM_LIB)/$*-Os-notls.o \
	    $(CM_LIB)/port-mem-$*-Os-notls.o,-DTNX_NO_TLS $(CM_UNIT_FLAGS) \
	    -I$(CM_OUT)/bounds-$*)

# What a firmware that makes the one call links in (never run), for the
# stems m4-Os-tls, m4-Os-notls, m0-Os-tls, m0-Os-notls (client-only
# mbedTLS).
cm_mbed_for = $(if $(findstring notls,$(1)),, \
	$(if $(findstring m0-,$(1)),$(CM0_MBED),$(CM4_MBED)))
$(CM_OUT)/link_probe-%.elf: $(CM_DIR)/link_probe.c $(CM_LIB)/%.o \
	$(CM_LIB)/port-mem-%.o $(CM_SUPPORT_DEPS) \
	$(CM4_MBED)/libmbedtls.a $(CM0_MBED)/libmbedtls.a
	$(call cm_image,$@,$(call cm_cpu,$*),$< $(CM_LIB)/$*.o \
	    $(CM_LIB)/port-mem-$*.o,$(CM_UNIT_FLAGS) $(call cm_conf,$*),$(strip \
	    $(call cm_mbed_for,$*)))

# tnx_initiate end to end: the library (as measured, -Os) with TLS against
# an mbedTLS server in the same image, through the in-memory pipe.
$(CM_OUT)/initiate_e2e-m4.elf: $(CM_DIR)/initiate_e2e.c \
	$(CM_LIB)/m4-Os-tls-srv.o $(CM_OUT)/project/project_certs.h \
	ports/tnx_port_mem.c $(CM_DIR)/heap_meter.c $(CM_DIR)/heap_meter.h \
	$(CM_SUPPORT_DEPS) $(CM4S_MBED)/libmbedtls.a
	$(call cm_image,$@,$(CM4_CPU),$< $(CM_DIR)/heap_meter.c \
	    ports/tnx_port_mem.c $(CM_LIB)/m4-Os-tls-srv.o,$(CM_UNIT_FLAGS) \
	    -I$(CM_OUT)/project,$(CM4S_MBED))

# ---- Running them ----
# Each line: image and the exit status qemu must return.  Every run's
# output is kept in $(CM_OUT)/runs/IMAGE.log; `make size` reads the
# figures the images print ("footprint:" lines).
CM_RUNS := hello-m4:0 hello-m4-exit3:3 hello-m0:0 tls_client_probe-m4:0 \
	tls_client_probe-m0:0 tls_selftest-m4:0 tls_selftest-time-m4:0 \
	test_json-m4:0 test_json-m0:0 test_http-m4:0 test_http-m0:0 \
	stack_probe-m4:0 stack_probe-m0:0 initiate_e2e-m4:0

test-cortex-m: cortex-m-deps $(foreach r,$(CM_RUNS), \
	$(CM_OUT)/$(firstword $(subst :, ,$(r))).elf)
	@mkdir -p $(CM_OUT)/runs; pass=0; fail=0; \
	for r in $(CM_RUNS); do \
	    img=$${r%%:*}; want=$${r##*:}; log=$(CM_OUT)/runs/$$img.log; \
	    echo "== $$img (expect exit $$want)"; \
	    $(CM_QEMU) $(CM_OUT)/$$img.elf > $$log 2>&1; got=$$?; \
	    if [ "$$got" = "$$want" ]; then pass=$$((pass + 1)); \
	        grep -v '^ok - ' $$log || true; \
	    else cat $$log; mv $$log $$log.failed; \
	        echo "FAIL: $$img exited $$got, expected $$want"; \
	        fail=$$((fail + 1)); fi; \
	done; \
	echo "cortex-m: $$pass passed, $$fail failed"; [ "$$fail" = 0 ]

# One run for `make size`, when test-cortex-m has not left a fresh log.
$(CM_OUT)/runs/%.log: $(CM_OUT)/%.elf
	@mkdir -p $(dir $@)
	@$(CM_QEMU) $< > $@.tmp 2>&1 || { cat $@.tmp; rm -f $@.tmp; \
	    echo "size: $* failed under qemu"; exit 1; }
	@mv $@.tmp $@

# ---- Sizes ----

# Name prefix = layer, for scripts/size-report.awk: the longest prefix that
# starts a function's or object's name wins; other tnx names are "client"
# (the client call, URL parsing, sockets and deadlines, logging, helpers).
CM_LAYERS := tnx__http_=HTTP,tnx__out=HTTP,tnx__has_token=HTTP
CM_LAYERS += ,tnx__bad_segment=HTTP,tnx__bad_key=HTTP
CM_LAYERS += ,tnx__js_=JSON reader,tnx_reader_feed=JSON reader
CM_LAYERS += ,tnx_reader_end=JSON reader,tnx_reader_offset=JSON reader
CM_LAYERS += ,tnx_reader_where=JSON reader
CM_LAYERS += ,tnx__w=JSON writer,tnx_write=JSON writer
CM_LAYERS += ,tnx_sink_buf=JSON writer,tnx__wipe=client
CM_LAYERS += ,tnx__map_=schema,tnx__response_=schema,tnx__params_=schema
CM_LAYERS += ,tnx__reader_init=schema,tnx_reader_response=schema
CM_LAYERS += ,tnx_reader_params=schema,tnx__status_of=schema
CM_LAYERS += ,tnx__tls_=TLS glue,tnx__bio_=TLS glue,tnx__entropy=TLS glue
CM_LAYERS += ,tnx_cert_problem=TLS glue
CM_LAYERS += ,tnx_status_=status texts,tnx__status_names=status texts
CM_LAYERS += ,tnx__status_texts=status texts

# CPU and optimisation of each measured build of the library.
CM_SIZE_VARIANTS := m4-Os m4-O1 m0-Os m0-O1
CM_SIZE_OBJS := $(foreach v,$(CM_SIZE_VARIANTS),$(foreach c,tls notls, \
	$(CM_LIB)/$(v)-$(c).o $(CM_LIB)/$(v)-$(c)-split.o))
CM_SIZE_OBJS += $(foreach c,tls notls,$(CM_LIB)/ram-m4-Os-$(c).o \
	$(CM_LIB)/ram-m0-Os-$(c).o)
CM_SIZE_RUNS := $(CM_OUT)/runs/stack_probe-m4.log \
	$(CM_OUT)/runs/stack_probe-m0.log $(CM_OUT)/runs/initiate_e2e-m4.log
CM_MBED_VERSION = $$(sed -n \
	's/^\#define MBEDTLS_VERSION_STRING  *"\(.*\)"$$/\1/p' \
	$(CM_MBED_SRC)/include/mbedtls/build_info.h \
	$(CM_MBED_SRC)/include/mbedtls/version.h 2>/dev/null | head -n 1)

size: cortex-m-deps $(CM_OUT)/tls_client_probe-m4.elf \
	$(CM_OUT)/tls_client_probe-m0.elf $(CM_SIZE_OBJS) $(CM_SIZE_RUNS) \
	$(foreach v,m4-Os m0-Os,$(foreach c,tls notls, \
	$(CM_OUT)/link_probe-$(v)-$(c).elf))
	@LAYERS='$(CM_LAYERS)' SITES='$(CM_STACK_SITES)' \
	CALLS='$(CM_STACK_CALLS)' CM_CC=$(CM_CC) SIZE=$(CM_SIZE) NM=$(CM_NM) \
	READELF=arm-none-eabi-readelf OBJCOPY=arm-none-eabi-objcopy \
	MBEDTLS_VERSION=$(CM_MBED_VERSION) sh scripts/footprint.sh $(CM_OUT)
	@printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "telnyx_porting.h"\n' \
	    > $(CM_OUT)/lean.c
	@for c in -DTNX_WITH_TLS -DTNX_NO_TLS; do \
	    $(CM_CC) $(CM4_CPU) $(CM_LIB_FLAGS) -Os -I. $(CM_MBED_CONF) \
	        $(CM_MBED_INC) -DTNX_NO_LOG -DTNX_NO_STATUS_TEXT $$c \
	        -c $(CM_OUT)/lean.c -o $(CM_OUT)/lean.o || exit 1; \
	    $(CM_SIZE) $(CM_OUT)/lean.o | awk -v c="$$c" 'NR == 2 { printf \
	        "lean (TNX_NO_LOG TNX_NO_STATUS_TEXT %s), Cortex-M4 -Os, " \
	        "whole object: %d B text+data\n", c, $$1 + $$2 }'; done
