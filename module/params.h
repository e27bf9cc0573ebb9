/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_PARAMS_H
#define _TCPSTATE_PARAMS_H

#include <linux/types.h>

#include "uapi/tcpstate.h"

/* A session's buffer, whether nr_records or SET_BUFFER sizes it. */
#define TCPSTATE_NR_RECORDS_MIN		TCPSTATE_BUFFER_MIN
#define TCPSTATE_NR_RECORDS_MAX		TCPSTATE_BUFFER_MAX
#define TCPSTATE_NR_RECORDS_DEFAULT	8192U
#define TCPSTATE_WAKEUP_MS_MAX		1000U
#define TCPSTATE_WAKEUP_MS_DEFAULT	100U
#define TCPSTATE_TW_CAPACITY_MIN	1024U
#define TCPSTATE_TW_CAPACITY_MAX	4194304U	/* 96 MiB */
#define TCPSTATE_TW_CAPACITY_DEFAULT	262144U		/* 6 MiB */

/* Set once while the module loads (the parameters are read-only after). */
extern unsigned int tcpstate_param_hook;	/* enum tcpstate_hook */
extern unsigned int tcpstate_param_nr_records;	/* a power of two */
extern unsigned int tcpstate_param_wakeup_ms;	/* 0..TCPSTATE_WAKEUP_MS_MAX */
extern unsigned int tcpstate_param_tw_capacity;	/* a power of two */
extern unsigned int tcpstate_param_require;	/* 1 << enum tcpstate_group */

int tcpstate_params_parse_hook(const char *val, unsigned int *hook);
int tcpstate_params_parse_nr_records(const char *val, unsigned int *nr);
int tcpstate_params_parse_wakeup_ms(const char *val, unsigned int *ms);
int tcpstate_params_parse_tw_capacity(const char *val, unsigned int *nr);
const char *tcpstate_params_hook_name(unsigned int hook);
int tcpstate_params_parse_require(const char *val, unsigned int *groups);
const char *tcpstate_params_group_name(unsigned int group);

/* Probe points named in blocklist=, treated as absent from the kernel. */
#define TCPSTATE_BLOCKLIST_MAX		8
#define TCPSTATE_BLOCKLIST_NAME_MAX	64	/* with the NUL */
struct tcpstate_blocklist {
	unsigned int nr;
	char names[TCPSTATE_BLOCKLIST_MAX][TCPSTATE_BLOCKLIST_NAME_MAX];
};

int tcpstate_params_parse_blocklist(const char *val,
				    struct tcpstate_blocklist *bl);
bool tcpstate_params_blocked(const char *symbol);

#endif /* _TCPSTATE_PARAMS_H */
