/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _TCPSTATE_FAULT_H
#define _TCPSTATE_FAULT_H

/*
 * Fault injection for the init-failure tests, compiled only into the
 * test build (make ... TCPSTATE_FAULT_INJECT=y): every step of init that
 * can fail asks tcpstate_fault() first, and fails as if out of memory
 * when the fail_init parameter names it. fail_init=list logs each point
 * passed ("fault point NAME"), so a test can make each fail in turn.
 */
#ifdef TCPSTATE_FAULT_INJECT
int tcpstate_fault(const char *kind, const char *name);
#else
static inline int tcpstate_fault(const char *kind, const char *name)
{
	return 0;
}
#endif

#endif /* _TCPSTATE_FAULT_H */
