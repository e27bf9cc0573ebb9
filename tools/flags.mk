# SPDX-License-Identifier: GPL-2.0
# Shared by tools/Makefile and tests/unit/Makefile, so that the unit tests
# compile the tool's sources exactly as the tool does.

TOOLS_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
TOP_DIR := $(abspath $(TOOLS_DIR)/..)

# The top-level Makefile exports BUILD; alone, build/ at the top as well.
BUILD ?= $(TOP_DIR)/build

CFLAGS ?= -O2 -g

# Where the translations are installed (packaging/install.mk installs
# them there, mkdeb.sh builds with /usr/share/locale); built in, so set it
# when building, not only when installing. TCPSTATE_LOCALEDIR in the
# environment overrides it at run time (build/locale from the tree).
PREFIX ?= /usr/local
LOCALEDIR ?= $(PREFIX)/share/locale
# Not part of CFLAGS, so that `make CFLAGS=...` cannot drop them.
TOOL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-I$(TOP_DIR)/module/uapi -MMD -MP \
	-DTCPSTATE_LOCALEDIR='"$(LOCALEDIR)"'

# Everything but main.c: what the unit tests link against.
LIB_SRCS := conns.c devmap.c explain.c export.c exporter.c format.c histogram.c http.c \
	i18n.c jsonl.c ladder.c model.c names.c order.c recfilter.c sessions.c states.c stats.c svg.c util.c
