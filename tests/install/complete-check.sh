# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by "bash -ic" in the install suite's guest (a user's shell with
# bash-completion on, /etc/skel/.bashrc): completes each line below the way
# bash would and prints "[LINE] -> REPLIES", one line each.

_cc_complete() { # _cc_complete LINE: completes at its end
	local spec
	COMP_LINE=$1
	COMP_POINT=${#COMP_LINE}
	# bash's split: blanks, and "=" is a word of its own (COMP_WORDBREAKS)
	read -ra COMP_WORDS <<<"${COMP_LINE//=/ = }"
	[[ $COMP_LINE == *" " || $COMP_LINE == *= ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	spec=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null)
	spec=${spec#*-F }
	spec=${spec%% *}
	# compopt only works inside a real completion: its complaint is noise.
	"$spec" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	echo "[$COMP_LINE] -> ${COMPREPLY[*]}"
}

_cc_complete "tcpstate "
_cc_complete "tcpstate --v"
_cc_complete "tcpstate dump -"
_cc_complete "tcpstate stats --"
_cc_complete "tcpstate conns --s"
_cc_complete "tcpstate conns -s "
_cc_complete "tcpstate conns --state CLOSE"
_cc_complete "tcpstate conns -s fin"
_cc_complete "tcpstate conns -s time"
_cc_complete "tcpstate conns --h"
_cc_complete "tcpstate dump -T "
_cc_complete "tcpstate dump --s"
_cc_complete "modprobe tcpstate "
_cc_complete "modprobe tcpstate hook="
_cc_complete "modprobe tcpstate segments=a"
_cc_complete "modprobe tcpstate nr_records=655"
_cc_complete "insmod /lib/modules/x/tcpstate.ko family=ipv"
_cc_complete "modprobe tcpstate hook=kprobe w"
_cc_complete "tcpstate dump --kinds states,c"
_cc_complete "tcpstate exporter --m"
_cc_complete "modprobe tcpstate max_sessions="
