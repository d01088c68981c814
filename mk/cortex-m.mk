# mk/cortex-m.mk - firmware builds: sizes for Cortex-M4 and M0+, and tests
# that run under qemu-system-arm -M mps2-an386 with semihosting.
#
# Included by the top-level Makefile; make runs from the repository root.
#
#   make cortex-m-deps   install the cross toolchain and qemu if missing
#   make size            text/data/bss of the library for M4 (-Os, -O1)
#                        and M0+, per layer, and of mbedTLS in a client
#   make test-cortex-m   run the images under qemu; qemu's exit status is
#                        each test's verdict
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

# ---- Running them ----
# Each line: image and the exit status qemu must return.
CM_RUNS := hello-m4:0 hello-m4-exit3:3 hello-m0:0 tls_client_probe-m4:0 \
	tls_client_probe-m0:0 tls_selftest-m4:0 tls_selftest-time-m4:0

test-cortex-m: cortex-m-deps $(foreach r,$(CM_RUNS), \
	$(CM_OUT)/$(firstword $(subst :, ,$(r))).elf)
	@pass=0; fail=0; \
	for r in $(CM_RUNS); do \
	    img=$${r%%:*}; want=$${r##*:}; \
	    echo "== $$img (expect exit $$want)"; \
	    $(CM_QEMU) $(CM_OUT)/$$img.elf; got=$$?; \
	    if [ "$$got" = "$$want" ]; then pass=$$((pass + 1)); \
	    else echo "FAIL: $$img exited $$got, expected $$want"; \
	        fail=$$((fail + 1)); fi; \
	done; \
	echo "cortex-m: $$pass passed, $$fail failed"; [ "$$fail" = 0 ]

# ---- Sizes ----

# Name prefix = layer, for scripts/size-report.awk; the rest is "client".
CM_LAYERS ?= tnx__http_=HTTP,tnx__json_=JSON reader,tnx__w=JSON writer
CM_LAYERS += ,tnx__tls_=TLS glue,tnx__map_=schema
# CPU and optimisation of each measured build of the library.
CM_SIZE_VARIANTS := m4-Os m4-O1 m0-Os m0-O1

size: cortex-m-deps $(CM_OUT)/tls_client_probe-m4.elf \
	$(CM_OUT)/tls_client_probe-m0.elf
	@echo "== mbedTLS $(CM_MBEDTLS) in a TLS client image, Cortex-M4 -Os"
	@$(CM_SIZE) $(CM_OUT)/tls_client_probe-m4.elf
	@awk -f scripts/map-libsize.awk $(CM_OUT)/tls_client_probe-m4.map
	@echo "== mbedTLS $(CM_MBEDTLS) in a TLS client image, Cortex-M0+ -Os"
	@$(CM_SIZE) $(CM_OUT)/tls_client_probe-m0.elf
	@awk -f scripts/map-libsize.awk $(CM_OUT)/tls_client_probe-m0.map
	@if grep -Eq '^#if(def)? .*TELNYX_PORTING_IMPLEMENTATION' $(TNX_HDR); \
	then :; else \
	    echo "size: $(TNX_HDR) has no implementation section yet" \
	        "(#ifdef TELNYX_PORTING_IMPLEMENTATION); library not measured"; \
	    exit 0; \
	fi; \
	mkdir -p $(CM_OUT)/size; \
	printf '#define TELNYX_PORTING_IMPLEMENTATION\n#include "%s"\n' \
	    "$(notdir $(TNX_HDR))" > $(CM_OUT)/size/impl.c; \
	set -e; for name in $(CM_SIZE_VARIANTS); do \
	    case $$name in m4-*) cpu="$(CM4_CPU)" ;; *) cpu="$(CM0_CPU)" ;; esac; \
	    opt=-$${name#*-}; obj=$(CM_OUT)/size/$$name.o; \
	    $(CM_CC) $$cpu $(CM_LIB_FLAGS) $$opt -I$(dir $(TNX_HDR)) \
	        $(CM_MBED_CONF) $(CM_MBED_INC) -c $(CM_OUT)/size/impl.c \
	        -o $$obj; \
	    echo "== $(notdir $(TNX_HDR)) $$name ($$cpu $$opt)"; \
	    $(CM_NM) --size-sort -S -t d $$obj | awk -f scripts/size-report.awk \
	        -v layers='$(CM_LAYERS)' -v rest=client \
	        -v total="$$($(CM_SIZE) $$obj | tail -n 1)"; \
	done
