// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_dev - a seeded, reproducible fuzzer of /dev/tcpstate and of the
 * module around it, run as root in the test VM (tests/fuzz-kernel/run.sh).
 *
 *   fuzz_dev --seed S --ops N [--seconds T] [--module tcpstate.ko]
 *            [--verbose] [--no-traffic]
 *
 * Each op is drawn from the seed alone (splitmix64, below): open() with
 * random flags, read() into good, NULL, unmapped, read-only, kernel and
 * half-unmapped buffers, pread, write, lseek, mmap (wrong sizes and flags
 * refused; the exact size mapped and every ring read in place), poll,
 * ppoll, epoll,
 * ioctl (TCPSTATE_IOC_INFO, the session ioctls SET_FILTER, GET_FILTER,
 * SET_BUFFER, SESSION and SESSIONS with good, malformed and boundary
 * arguments, random commands; good and bad pointers), fcntl, dup/dup2,
 * close, fork (the child works on the inherited files), threads reading
 * one file at once, closing a file under a read() asleep in it, writes
 * of junk and boundary values to the parameters under
 * /sys/module/tcpstate/parameters/ (the default filter and max_sessions;
 * put back at the end), and, with --module, rmmod and insmod with random
 * parameters (the syscalls, and the rmmod tool). A child process makes
 * loopback TCP connections on 127.0.0.1 and ::1 all along, so reads
 * return real records.
 *
 * The fuzzer keeps a model of what it has done (its descriptors and open
 * files, the module's state and default filter, the records it read),
 * and every result must be one the model allows: the device's documented
 * behaviour (README, module/dev.c, module/uapi/tcpstate.h) and the VFS's
 * around it. Each open file is a session (module/session.c): open()
 * succeeds until max_sessions files are live (a file closed under a
 * read() asleep in it still counts), then says EBUSY. Per session the
 * model has the filter (the default, followed live, until SET_FILTER
 * gives it its own: tcpstate_filter_invalid() says which are EINVAL),
 * the buffer size (SET_BUFFER until the first read() or poll()), whether
 * it started, and the records read through it: every record read must
 * be well formed, never a copy of one this session already handed out
 * (another session gets its own copy), and pass a filter that was in
 * force for this session when it was made or later. The session figures
 * (SESSION, SESSIONS) must show exactly the records this file read, never
 * more read, dropped and discarded than recorded, never go back, and
 * list exactly the sessions the fuzzer holds; its LOST records may tell
 * only of its own losses (dropped, or missed by the probes while it was
 * open). The module's events_read
 * counter must equal the records read through all sessions, and its
 * refcnt the files open on the device.
 *
 * A session's buffer is one ring per CPU id (TCPSTATE_ABI_VERSION 3):
 * nr_rings, from /sys/devices/system/cpu/possible, in INFO, SESSION,
 * SESSIONS and every mapped ring's header; SET_BUFFER and nr_records
 * size each ring, so a session holds nr_rings times that memory. A
 * mapped session is read in place (map_reader()): each ring from its
 * tail to its head, handed back by its own consumer and a poll().
 *
 * The ops depend on the seed only, never on timing, so "--seed S --ops K"
 * replays a run up to op K. Any result outside the model prints
 * "FAIL seed=S op#=K: ..." and exits 1; exit 2 is a setup problem.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "tcpstate.h"
#include "tcpstate_match.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define REC		sizeof(struct tcpstate_rec)
#define PAGE		4096UL
#define MIB		(1UL << 20)

#define DEV_PATH	"/dev/" TCPSTATE_DEV_NAME
#define SYS_MOD		"/sys/module/tcpstate"
#define SYS_PARAMS	SYS_MOD "/parameters/"
#define PROC_PATH	"/proc/net/" TCPSTATE_PROC_NAME

/* --- the PRNG: splitmix64, all randomness comes from here --------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* 0 .. n-1 (n > 0); the bias of the modulo is irrelevant here. */
static uint64_t rnd(uint64_t n)
{
	return rnd64() % n;
}

static uint64_t rnd_range(uint64_t lo, uint64_t hi)
{
	return lo + rnd(hi - lo + 1);
}

/* True with probability per_mille / 1000. */
static bool chance(unsigned int per_mille)
{
	return rnd(1000) < per_mille;
}

/* --- ops and the calls they make ------------------------------------------- */

enum op {
	OP_OPEN, OP_CLOSE, OP_DUP, OP_DUP2, OP_READ, OP_PREAD, OP_WRITE,
	OP_LSEEK, OP_MMAP, OP_POLL, OP_PPOLL, OP_EPOLL, OP_IOCTL, OP_FCNTL,
	OP_FORK, OP_THREADS, OP_INFLIGHT, OP_PARAM, OP_PARAM_RO, OP_COUNTERS,
	OP_SET_FILTER, OP_GET_FILTER, OP_SET_BUFFER, OP_SESSION, OP_SESSIONS,
	OP_MAX_SESSIONS, OP_RMMOD,
	OP_RMMOD_TOOL, OP_INSMOD, OP_CLEANUP, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	[OP_OPEN] = "open", [OP_CLOSE] = "close", [OP_DUP] = "dup",
	[OP_DUP2] = "dup2", [OP_READ] = "read", [OP_PREAD] = "pread",
	[OP_WRITE] = "write", [OP_LSEEK] = "lseek", [OP_MMAP] = "mmap",
	[OP_POLL] = "poll", [OP_PPOLL] = "ppoll", [OP_EPOLL] = "epoll",
	[OP_IOCTL] = "ioctl", [OP_FCNTL] = "fcntl", [OP_FORK] = "fork",
	[OP_THREADS] = "threads", [OP_INFLIGHT] = "inflight",
	[OP_PARAM] = "param",
	[OP_PARAM_RO] = "param_ro", [OP_COUNTERS] = "counters",
	[OP_SET_FILTER] = "set_filter", [OP_GET_FILTER] = "get_filter",
	[OP_SET_BUFFER] = "set_buffer", [OP_SESSION] = "session",
	[OP_SESSIONS] = "sessions", [OP_MAX_SESSIONS] = "max_sessions",
	[OP_RMMOD] = "rmmod", [OP_RMMOD_TOOL] = "rmmod_tool",
	[OP_INSMOD] = "insmod", [OP_CLEANUP] = "cleanup",
};

/* Relative weights; the ops that need the module or --module adjust. */
static const unsigned int op_weight[NR_OPS] = {
	[OP_OPEN] = 90, [OP_CLOSE] = 55, [OP_DUP] = 20, [OP_DUP2] = 15,
	[OP_READ] = 190, [OP_PREAD] = 10, [OP_WRITE] = 20, [OP_LSEEK] = 10,
	[OP_MMAP] = 24, [OP_POLL] = 45, [OP_PPOLL] = 25, [OP_EPOLL] = 30,
	[OP_IOCTL] = 110, [OP_FCNTL] = 25, [OP_FORK] = 12, [OP_THREADS] = 20,
	[OP_INFLIGHT] = 8,
	[OP_PARAM] = 70, [OP_PARAM_RO] = 6, [OP_COUNTERS] = 20,
	[OP_SET_FILTER] = 45, [OP_GET_FILTER] = 12, [OP_SET_BUFFER] = 25,
	[OP_SESSION] = 25, [OP_SESSIONS] = 20, [OP_MAX_SESSIONS] = 25,
	[OP_RMMOD] = 10, [OP_RMMOD_TOOL] = 2, [OP_INSMOD] = 6,
};

#define MAX_FDS		12
#define MAX_OFDS	12

/*
 * Shared with forked children and threads: what they read counts
 * against the module's events_read, and their calls are calls made.
 */
struct shared {
	unsigned long ops[NR_OPS];
	unsigned long calls[NR_OPS];
	unsigned long records;		/* non-LOST records read since load */
	unsigned long records_total;
	unsigned long lost_records;
	unsigned long lost_events;
	unsigned long bytes;
	unsigned long inflight_asleep;	/* reads caught asleep, closed under */
	/* Of those, out of the device's read by the open's check. */
	unsigned long inflight_released;
	unsigned long busy_opens;	/* opens refused: max_sessions live */
	unsigned long maps;		/* maps of a session read */
	unsigned long maps_ro;		/* ... of them read-only: only looked */
	unsigned long maps_refused;	/* consumers out of range: EPOLLERR */
	unsigned long map_records;	/* records handed back through them */
	/*
	 * Per open file (index in ofds[]), reset when the slot is reused:
	 * what a fork child or a thread does to a session counts too.
	 */
	unsigned long ofd_read[MAX_OFDS];	/* non-LOST records read */
	unsigned long ofd_lost[MAX_OFDS];	/* events LOST records told */
	int ofd_started[MAX_OFDS];		/* enum started */
	/* The traffic process's listeners, for port filters that match. */
	unsigned short listen_port[2];
	pid_t traffic_pid;
};

/*
 * Has a session's reader started (read() or poll() reached the driver:
 * SET_BUFFER says EBUSY from then on)? A read into a non-canonical
 * pointer reaches it only with 5-level paging: maybe.
 */
enum started { ST_NO, ST_YES, ST_MAYBE };

static struct shared *sh;
static enum op cur_op;

static void add(unsigned long *p, unsigned long n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

/* Every system call the fuzzer makes goes through this: it is counted. */
#define CALL(expr)	(add(&sh->calls[cur_op], 1), (expr))

/* --- failing ---------------------------------------------------------------- */

static uint64_t seed;
static unsigned long opno;
static bool verbose;
static const char *who = "";	/* "", or "fork child: " in a child */

static void __attribute__((format(printf, 1, 2), noreturn))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("FAIL seed=%" PRIu64 " op#=%lu: %s%s: ", seed, opno, who,
	       op_names[cur_op]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/* A child's parent reports its status; the parent's own children die
	 * with it (PR_SET_PDEATHSIG).
	 */
	if (*who)
		_exit(1);
	exit(1);
}

static void __attribute__((format(printf, 1, 2)))
note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("op#%lu %s%s: ", opno, who, op_names[cur_op]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A setup problem, not a finding. */
static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "fuzz_dev: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int read_file(const char *path, char *buf, size_t cap);
static bool proc_value(const char *text, const char *name, unsigned long *v);
struct ofd;
struct tcpstate_session_info;
static void check_lost(const struct ofd *o,
		       const struct tcpstate_session_info *in);

/* /proc/net/tcpstate's events_missed: events the probes never saw. */
static unsigned long events_missed(void)
{
	static char text[65536];
	unsigned long v;

	if (read_file(PROC_PATH, text, sizeof(text)) < 0 ||
	    !proc_value(text, "events_missed", &v))
		fail("reading events_missed from " PROC_PATH);
	return v;
}

static const char *err_name(int err)
{
	static const char *const names[] = {
		[EPERM] = "EPERM", [ENOENT] = "ENOENT", [EINTR] = "EINTR",
		[EBADF] = "EBADF", [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM",
		[EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY",
		[EEXIST] = "EEXIST", [ENODEV] = "ENODEV",
		[ENOTDIR] = "ENOTDIR", [EINVAL] = "EINVAL",
		[ENOTTY] = "ENOTTY", [ESPIPE] = "ESPIPE", [E2BIG] = "E2BIG",
		[ENXIO] = "ENXIO", [EOPNOTSUPP] = "EOPNOTSUPP",
		[EOVERFLOW] = "EOVERFLOW",
	};
	static char buf[32];

	if (!err)
		return "OK";
	if (err > 0 && err < (int)ARRAY_SIZE(names) && names[err])
		return names[err];
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_us(unsigned long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Blocking reads are bounded by a timer: its signal (no SA_RESTART)
 * makes a read asleep in the device return EINTR. The timer repeats:
 * a signal that comes before the read is asleep (a loaded host can
 * take longer than the 5 ms drawn between arm_alarm() and read()) is
 * handled and gone, and the read, whose session may get no record
 * ever (its filter), would sleep until the seed's watchdog killed it
 * (a seed stuck in tcpstate_read(), make vmtest-late, 2026-12-05).
 */
static void on_signal(int sig)
{
	(void)sig;
}

static void arm_alarm(unsigned int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct itimerval it = { tv, tv };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_alarm(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* --- the model: descriptors, open files, the module ----------------------- */

#define DUP2_BASE	100	/* dup2() targets: DUP2_BASE .. +DUP2_SPAN-1 */
#define DUP2_SPAN	8
#define NEVER_FD	90	/* never open: EBADF */
#define ACC_NONE	3	/* open(O_ACCMODE): ioctl only, no read or write */

/*
 * A session's own filters over time (SET_FILTER), as the default's are
 * in mod.hist: a record made at or after t_done met this one or a later.
 */
#define OWN_HIST	16

struct own_filt {
	uint64_t t_done;
	struct tcpstate_filter f;
};

/* An open file description: what open() made, shared by dups and forks. */
struct ofd {
	bool used;
	unsigned int id;	/* unique for the run: epoll keys on it */
	int acc;		/* O_RDONLY, O_WRONLY, O_RDWR or ACC_NONE */
	bool nonblock;
	bool path;		/* O_PATH: no device open, no module ref */
	int refs;		/* our descriptors on it */
	/* The session, for a device file (!path). */
	uint32_t sid;		/* its id, from SESSION right after open() */
	pid_t opener;
	uint64_t t_open0, t_open1;	/* open() was called, returned */
	unsigned long missed0;	/* events_missed before open() */
	uint32_t nr_records;	/* its buffer's capacity */
	int nown;		/* own filters in own[]; 0: the default */
	uint64_t own_floor;	/* older records: own history dropped */
	struct own_filt own[OWN_HIST];
	bool have_last;
	struct tcpstate_session_info last;	/* figures last seen */
	/*
	 * mmap() of the exact size succeeded (op_mmap()): read() is EBUSY
	 * from then on, and poll() takes back what every ring's consumer
	 * says. consumer_set: our writable map stored every ring's consumer
	 * (left at its tail). consumer_bad: a ring's consumer is behind its
	 * tail (the kernel's 0, under records read() took before the map,
	 * and no writable map fixed it): every poll() is EPOLLERR.
	 */
	bool mapped;
	bool consumer_set;
	bool consumer_bad;
};

struct fdent {
	bool used;
	int fd;
	int ofd;		/* index in ofds[] */
	bool cloexec;
};

static struct ofd ofds[MAX_OFDS];
static struct fdent fds[MAX_FDS];
static unsigned int next_ofd_id = 1;

enum { FAM_ALL, FAM_IPV4, FAM_IPV6 };
enum { SEG_CONTROL, SEG_ALL, SEG_NONE };

static const char *const family_names[3] = { "all", "ipv4", "ipv6" };
static const char *const segments_names[3] = { "control", "all", "none" };

#define MAX_PORTS	16

struct filt {
	int nports;
	uint16_t ports[MAX_PORTS];
	int family;
	int segments;
};

/*
 * The default filter (the parameters) over time, which sessions without
 * a filter of their own follow live. A record whose timestamp is at or
 * after hist[i].t_done (the write that installed it had returned) was
 * offered to hist[i]'s filter or a later one: the probes take the filter
 * under RCU after the record's timestamp, and the write published the
 * new one before it returned.
 */
#define MAX_HIST	512

struct filt_hist {
	uint64_t t_done;
	struct filt f;
};

static struct {
	bool loaded;
	unsigned int hook;		/* enum tcpstate_hook */
	unsigned int nr_records;
	unsigned int wakeup_ms;
	unsigned int max_sessions;
	struct filt filt;
	struct filt_hist hist[MAX_HIST];
	int nhist;
	uint64_t hist_floor;		/* older records: history dropped */
	uint64_t t_load;		/* no record can be older */
	unsigned long read_base;	/* events_read when we started */
	unsigned int reloads;
	unsigned int insmod_rejected;
} mod;

/* Values found at start, put back at the end. */
static struct filt orig_filt;
static unsigned int orig_max_sessions = 16;
static bool orig_loaded;
static const char *module_path;
static unsigned int ncpus;
/*
 * The kernel's nr_cpu_ids, from /sys/devices/system/cpu/possible: the
 * rings a session has (INFO, SESSION, SESSIONS and every mapped header
 * must say so); cpu_possible[] which of them a CPU serves.
 */
static unsigned int nr_rings, npossible;
static bool *cpu_possible;
static char my_comm[16];	/* what sessions we open show as comm */
static uint32_t my_netns;	/* our network namespace's inode */
static bool dev_noexec;		/* /dev mounted noexec: PROT_EXEC is EPERM */

/* The persistent epoll instance and the (fd, file) pairs in it. */
#define MAX_EP	16

static int ep_fd = -1;
static struct {
	int fd;
	unsigned int ofd_id;
} ep_items[MAX_EP];
static int ep_n;

static int fd_slot(int fd)
{
	int i;

	for (i = 0; i < MAX_FDS; i++)
		if (fds[i].used && fds[i].fd == fd)
			return i;
	return -1;
}

static int nr_fds(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_FDS; i++)
		n += fds[i].used;
	return n;
}

/* Open files holding the device (and a module reference). */
static int dev_files(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_OFDS; i++)
		n += ofds[i].used && !ofds[i].path;
	return n;
}

static void seen_reset(int ofd);

static int new_ofd(int acc, bool nonblock, bool path)
{
	struct ofd *o;
	int i;

	for (i = 0; i < MAX_OFDS; i++) {
		if (ofds[i].used)
			continue;
		o = &ofds[i];
		memset(o, 0, sizeof(*o));
		o->used = true;
		o->id = next_ofd_id++;
		o->acc = acc;
		o->nonblock = nonblock;
		o->path = path;
		o->nr_records = mod.nr_records;
		o->opener = getpid();
		sh->ofd_read[i] = 0;
		sh->ofd_lost[i] = 0;
		sh->ofd_started[i] = ST_NO;
		seen_reset(i);
		return i;
	}
	return -1;
}

/* Live sessions: device files, with those a sleeping read() holds. */
static int live_sessions(void)
{
	return dev_files();
}

/*
 * Ring memory our sessions hold: a session has nr_rings rings of
 * nr_records each (SET_BUFFER and the nr_records parameter are per
 * ring), each a header page and its slots (what mmap() maps) plus an
 * 8-byte tag a slot on the kernel's side. The VM has 1 GiB: with
 * nr_records=1048576 (136 MiB a ring) the model opens fewer files
 * rather than run the kernel out of memory.
 */
#define RING_BUDGET	(300UL << 20)
#define TAG_BYTES	8UL

/* One ring in the map: its header page, then its slots, whole pages. */
static unsigned long ring_size_of(uint32_t nr)
{
	return PAGE + ((unsigned long)nr * REC + PAGE - 1) / PAGE * PAGE;
}

/* What mmap() must map: every ring. */
static unsigned long map_size_of(uint32_t nr)
{
	return nr_rings * ring_size_of(nr);
}

/* A session's buffer of @nr records a ring, in kernel memory. */
static unsigned long session_bytes(uint32_t nr)
{
	return map_size_of(nr) + nr_rings * (unsigned long)nr * TAG_BYTES;
}

static unsigned long ring_bytes(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < MAX_OFDS; i++)
		if (ofds[i].used && !ofds[i].path)
			n += session_bytes(ofds[i].nr_records);
	return n;
}

static void add_fd(int fd, int ofd, bool cloexec)
{
	int i;

	for (i = 0; i < MAX_FDS; i++) {
		if (!fds[i].used) {
			fds[i] = (struct fdent){ true, fd, ofd, cloexec };
			ofds[ofd].refs++;
			return;
		}
	}
	fail("model: no descriptor slot for fd %d", fd);
}

/* A reference to the file is gone: the file too if it was the last. */
static void put_ofd(int ofd)
{
	struct ofd *o = &ofds[ofd];
	int i;

	if (--o->refs > 0)
		return;
	/* The last reference: the file is released, and leaves epoll. */
	for (i = 0; i < ep_n; i++) {
		if (ep_items[i].ofd_id == o->id) {
			ep_items[i] = ep_items[--ep_n];
			i--;
		}
	}
	o->used = false;
}

static void drop_fd(int slot)
{
	fds[slot].used = false;
	put_ofd(fds[slot].ofd);
}

/* A descriptor of ours, or now and then one that is not open. */
struct pick {
	int fd;
	int slot;		/* -1: not open */
	struct ofd *o;		/* NULL: not open */
};

static struct pick pick_fd(unsigned int bad_per_mille)
{
	struct pick p = { NEVER_FD, -1, NULL };
	int n = nr_fds(), i, k;

	if (!n || chance(bad_per_mille)) {
		switch (rnd(3)) {
		case 0:
			p.fd = NEVER_FD;
			break;
		case 1:
			p.fd = -1;
			break;
		default:
			p.fd = DUP2_BASE + rnd(DUP2_SPAN);
			if (fd_slot(p.fd) >= 0)
				p.fd = NEVER_FD;
			break;
		}
		return p;
	}
	k = rnd(n);
	for (i = 0; i < MAX_FDS; i++) {
		if (fds[i].used && !k--) {
			p.fd = fds[i].fd;
			p.slot = i;
			p.o = &ofds[fds[i].ofd];
			break;
		}
	}
	return p;
}

static bool readable(const struct ofd *o)
{
	return o && !o->path && (o->acc == O_RDONLY || o->acc == O_RDWR);
}

static bool writable(const struct ofd *o)
{
	return o && !o->path && (o->acc == O_WRONLY || o->acc == O_RDWR);
}

/* fdget() refuses O_PATH files: most calls see EBADF. */
static bool usable(const struct ofd *o)
{
	return o && !o->path;
}

/* --- buffers ------------------------------------------------------------------ */

/*
 * valid: 1 MiB + a page, writable, then an unmapped page (the guard):
 * a buffer ending at the guard is partly unmapped. ro: 1 MiB PROT_READ.
 * hole: a page with nothing mapped. Threads get 64 KiB slices of tbuf.
 */
static char *valid, *guard, *ro, *hole, *tbuf;
#define VALID_SIZE	(MIB + PAGE)
#define TBUF_SIZE	MIB
#define KERNEL_PTR	((char *)0xffff888000000000UL)
#define NONCANON_PTR	((char *)0x0000800000000000UL)

static void setup_buffers(void)
{
	char *p;

	/* PROT_NONE pages around the hole keep other mappings out of it. */
	p = mmap(NULL, VALID_SIZE + 3 * PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	valid = p + PAGE;
	guard = valid + VALID_SIZE;
	if (mprotect(valid, VALID_SIZE, PROT_READ | PROT_WRITE))
		die("mprotect");
	if (munmap(guard, PAGE))
		die("munmap");
	hole = guard;
	ro = mmap(NULL, MIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		die("mmap");
	tbuf = mmap(NULL, TBUF_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tbuf == MAP_FAILED)
		die("mmap");
}

/* The hole must still be unmapped for "unmapped" to mean what it says. */
static void check_hole(void)
{
	unsigned char vec;

	if (mincore(hole, PAGE, &vec) == 0 || errno != ENOMEM)
		fail("the unmapped guard page got mapped by something");
}

enum buf_kind { B_VALID, B_MISALIGNED, B_PARTIAL, B_NULL, B_UNMAPPED, B_RO,
		B_KERNEL, B_NONCANON, NR_BUF_KINDS };

static const char *const buf_names[NR_BUF_KINDS] = {
	"valid", "misaligned", "partial", "NULL", "unmapped", "read-only",
	"kernel", "non-canonical",
};

struct ubuf {
	enum buf_kind kind;
	char *p;
	size_t writable;	/* bytes from p the kernel can write */
};

/* An interesting length: records, record boundaries, big, small. */
static size_t pick_len(size_t max)
{
	size_t n;

	switch (rnd(10)) {
	case 0:
		n = rnd(4) ? rnd_range(1, REC - 1) : 0;
		break;
	case 1:
		n = REC + rnd(3) - 1;	/* 127, 128, 129 */
		break;
	case 2:
		n = max;
		break;
	case 3:
		n = rnd_range(1, max);
		break;
	case 4:
		n = rnd_range(1, 16) * REC + rnd(3) - 1;
		break;
	default:
		n = rnd_range(1, 64) * REC;
		break;
	}
	return n > max ? max : n;
}

static struct ubuf pick_buf(size_t len, unsigned int bad_per_mille)
{
	struct ubuf b = { B_VALID, valid, len };
	size_t w;

	if (chance(bad_per_mille))
		b.kind = B_PARTIAL + rnd(NR_BUF_KINDS - B_PARTIAL);
	else if (chance(150))
		b.kind = B_MISALIGNED;
	switch (b.kind) {
	case B_VALID:
		b.p = valid + (rnd(2) ? 0 : PAGE - (len % PAGE)) % PAGE;
		if (b.p + len > guard)
			b.p = valid;
		break;
	case B_MISALIGNED:
		b.p = valid + rnd_range(1, REC - 1);
		break;
	case B_PARTIAL:
		/* The buffer runs into the guard after w bytes. */
		w = len ? rnd(len) : 0;
		/* Often right at, or a byte off, a record boundary. */
		if (rnd(2) && w >= REC)
			w = w / REC * REC - 1 + rnd(3);
		if (w > len)
			w = len;
		b.p = guard - w;
		b.writable = w;
		break;
	case B_NULL:
		b.p = NULL;
		b.writable = 0;
		break;
	case B_UNMAPPED:
		b.p = hole + rnd(PAGE);
		b.writable = 0;
		break;
	case B_RO:
		b.p = ro + rnd(PAGE);
		b.writable = 0;
		break;
	case B_KERNEL:
		b.p = KERNEL_PTR + rnd(PAGE);
		b.writable = 0;
		break;
	case B_NONCANON:
		b.p = NONCANON_PTR;
		b.writable = 0;
		break;
	default:
		break;
	}
	return b;
}

/*
 * Beyond TASK_SIZE_MAX: access_ok() refuses it before the driver runs.
 * Not the non-canonical one: with 5-level paging (qemu's "max" CPU has
 * LA57) it is a user address, only unmapped.
 */
static bool kernel_buf(const struct ubuf *b)
{
	return b->kind == B_KERNEL;
}

/* --- records ------------------------------------------------------------------ */

/*
 * Every record read through a session, by a hash of its 128 bytes: none
 * may come twice from one session (each session has its own copy).
 */
#define SEEN_BITS	15
#define SEEN_SIZE	(1UL << SEEN_BITS)

static uint64_t *seen[MAX_OFDS];
static unsigned long seen_n[MAX_OFDS];

static uint64_t rec_hash(const struct tcpstate_rec *r)
{
	const unsigned char *p = (const void *)r;
	uint64_t h = 0x243f6a8885a308d3ULL, w;
	size_t i;

	for (i = 0; i < REC; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h | 1;
}

static void seen_reset(int ofd)
{
	memset(seen[ofd], 0, SEEN_SIZE * sizeof(*seen[ofd]));
	seen_n[ofd] = 0;
}

/* Returns false if it was there already. */
static bool seen_add(int ofd, uint64_t h)
{
	uint64_t *t = seen[ofd];
	size_t i = h & (SEEN_SIZE - 1);

	/* Half full: forget; duplicates come close together anyway. */
	if (seen_n[ofd] >= SEEN_SIZE / 2)
		seen_reset(ofd);
	while (t[i]) {
		if (t[i] == h)
			return false;
		i = (i + 1) & (SEEN_SIZE - 1);
	}
	t[i] = h;
	seen_n[ofd]++;
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

/*
 * The parameters as a session filter (module/filter.c): what GET_FILTER
 * shows a session that set none. segments= picks the kinds.
 */
static void filt_compile(const struct filt *p, struct tcpstate_filter *f)
{
	static const uint32_t kinds[3] = {
		[SEG_CONTROL] = TCPSTATE_KINDS_ALL & ~TCPSTATE_KIND_SEGMENTS,
		[SEG_ALL] = TCPSTATE_KINDS_ALL,
		[SEG_NONE] = TCPSTATE_KINDS_ALL &
			~(TCPSTATE_KIND_SEGMENTS | TCPSTATE_KIND_CONTROL),
	};
	int i;

	memset(f, 0, sizeof(*f));
	f->kinds = kinds[p->segments];
	f->family = p->family == FAM_IPV4 ? AF_INET :
		    p->family == FAM_IPV6 ? AF_INET6 : 0;
	f->nr_ports = p->nports;
	for (i = 0; i < p->nports; i++)
		f->ports[i] = p->ports[i];
}

/*
 * What a filter selects is tcpstate_filter_match(), the module's and
 * the tool's one definition (tests/unit/test_match.c checks it against
 * cases): here it is the oracle for which session got what.
 */
static bool filt_match(const struct filt *p, const struct tcpstate_rec *r)
{
	struct tcpstate_filter f;

	filt_compile(p, &f);
	return tcpstate_filter_match(&f, r);
}

static const char *filt_str(const struct filt *f)
{
	static char buf[160];
	int n, i;

	n = snprintf(buf, sizeof(buf), "family=%s segments=%s ports=",
		     family_names[f->family], segments_names[f->segments]);
	for (i = 0; i < f->nports && n < (int)sizeof(buf) - 8; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%u", i ? "," : "",
			      f->ports[i]);
	return buf;
}

static void hist_reset(uint64_t t, const struct filt *f)
{
	mod.hist[0].t_done = t;
	mod.hist[0].f = *f;
	mod.nhist = 1;
	mod.hist_floor = 0;
}

static void hist_push(uint64_t t_done, const struct filt *f)
{
	if (mod.nhist == MAX_HIST) {
		memmove(mod.hist, mod.hist + MAX_HIST / 2,
			(MAX_HIST / 2) * sizeof(mod.hist[0]));
		mod.nhist = MAX_HIST / 2;
		mod.hist_floor = mod.hist[0].t_done;
	}
	mod.hist[mod.nhist].t_done = t_done;
	mod.hist[mod.nhist].f = *f;
	mod.nhist++;
}

/*
 * Made with a filter in force at ts or later, it must pass one of them:
 * the default's until the session's first SET_FILTER returned, its own
 * from then on.
 */
static bool filter_ok(const struct ofd *o, const struct tcpstate_rec *r)
{
	int i, j;

	if (r->type == TCPSTATE_REC_LOST)
		return true;
	if (!o->nown || r->ts_ns < o->own[0].t_done) {
		if (r->ts_ns < mod.hist_floor)
			return true;
		for (i = mod.nhist - 1; i > 0 && mod.hist[i].t_done > r->ts_ns;
		     i--)
			;
		for (j = i; j < mod.nhist; j++)
			if (filt_match(&mod.hist[j].f, r))
				return true;
		if (!o->nown)
			return false;
	}
	if (r->ts_ns < o->own_floor)
		return true;
	for (i = o->nown - 1; i > 0 && o->own[i].t_done > r->ts_ns; i--)
		;
	for (j = i; j < o->nown; j++)
		if (tcpstate_filter_match(&o->own[j].f, r))
			return true;
	return false;
}

/* The filter a session has now, as GET_FILTER must show it. */
static void filter_now(const struct ofd *o, struct tcpstate_filter *f)
{
	if (o->nown)
		*f = o->own[o->nown - 1].f;
	else
		filt_compile(&mod.filt, f);
}

static void own_push(struct ofd *o, uint64_t t_done,
		     const struct tcpstate_filter *f)
{
	if (o->nown == OWN_HIST) {
		memmove(o->own, o->own + OWN_HIST / 2,
			(OWN_HIST / 2) * sizeof(o->own[0]));
		o->nown = OWN_HIST / 2;
		o->own_floor = o->own[0].t_done;
	}
	o->own[o->nown].t_done = t_done;
	o->own[o->nown].f = *f;
	o->nown++;
}

static void rec_fail(const struct tcpstate_rec *r, size_t idx,
		     const char *what)
{
	const unsigned char *p = (const void *)r;
	char hex[REC * 2 + 1];
	size_t i;

	for (i = 0; i < REC; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	fail("record #%zu: %s (version %u type %u size %u flags %#x cpu %u "
	     "netns %u ts %" PRIu64 " family %u %u->%u); bytes %s", idx, what,
	     r->version, r->type, r->size, r->flags, r->cpu, r->netns,
	     (uint64_t)r->ts_ns, r->family, r->lport, r->rport, hex);
}

/*
 * The UAPI's promises about one record read through session @o. @taken:
 * it is the session's to have now (read(), or a mapped ring's record
 * whose slot the reader is about to hand back), so it must not come
 * again; a mapped record only looked at comes again.
 */
static void check_record(const struct ofd *o, const struct tcpstate_rec *r,
			 size_t idx, uint64_t t_after, bool taken)
{
	if (r->version != TCPSTATE_ABI_VERSION)
		rec_fail(r, idx, "bad version");
	if (r->size != REC)
		rec_fail(r, idx, "bad size");
	if (r->type < TCPSTATE_REC_STATE || r->type > TCPSTATE_REC_REQUEST)
		rec_fail(r, idx, "bad type");
	if (r->cpu >= nr_rings || !cpu_possible[r->cpu])
		rec_fail(r, idx, "cpu not a possible CPU");
	if (!r->ts_ns || r->ts_ns > t_after)
		rec_fail(r, idx, "timestamp in the future (or zero)");
	if (r->ts_ns < mod.t_load)
		rec_fail(r, idx, "timestamp older than the module load");
	if (r->__pad0 || r->__pad1)
		rec_fail(r, idx, "padding not zero");

	if (r->type == TCPSTATE_REC_LOST) {
		/* Only version, type, size, cpu, ts and the count. */
		if (r->flags || r->netns || r->cookie || r->pid || r->family ||
		    r->lport || r->rport || !all_zero(r->laddr, 48))
			rec_fail(r, idx, "LOST record with a tuple");
		if (!r->lost.count)
			rec_fail(r, idx, "LOST record counting 0 events");
		if (!all_zero(r->lost.__reserved, sizeof(r->lost.__reserved)))
			rec_fail(r, idx, "LOST reserved bytes not zero");
		return;
	}

	if (r->flags & ~(TCPSTATE_F_TASK | TCPSTATE_F_CHILD_TUPLE |
			 TCPSTATE_F_TIMEWAIT | TCPSTATE_F_CONTROL))
		rec_fail(r, idx, "unknown flags");
	if ((r->flags & TCPSTATE_F_CONTROL) && r->type != TCPSTATE_REC_SEGMENT)
		rec_fail(r, idx, "F_CONTROL on a record not a segment");
	if (!r->netns)
		rec_fail(r, idx, "netns 0");
	if (r->family != AF_INET && r->family != AF_INET6)
		rec_fail(r, idx, "bad family");
	if (r->family == AF_INET &&
	    (!all_zero(r->laddr + 4, 12) || !all_zero(r->raddr + 4, 12)))
		rec_fail(r, idx, "IPv4 address with bytes after the fourth");
	if (r->flags & TCPSTATE_F_TASK) {
		if (!r->pid || r->comm[sizeof(r->comm) - 1])
			rec_fail(r, idx, "task record without pid or NUL");
	} else if (r->pid || !all_zero(r->comm, sizeof(r->comm))) {
		rec_fail(r, idx, "pid/comm outside process context");
	}

	switch (r->type) {
	case TCPSTATE_REC_STATE:
		if (!r->state.old_state || r->state.old_state >= TCPSTATE_NR_STATES ||
		    !r->state.new_state || r->state.new_state >= TCPSTATE_NR_STATES)
			rec_fail(r, idx, "state out of range");
		if (r->state.reason > TCPSTATE_TW_OTHER)
			rec_fail(r, idx, "TIME_WAIT reason out of range");
		if (!all_zero(r->state.__pad0, sizeof(r->state.__pad0)) ||
		    !all_zero(r->state.__reserved, sizeof(r->state.__reserved)))
			rec_fail(r, idx, "STATE padding not zero");
		break;
	case TCPSTATE_REC_SEGMENT:
		if (r->seg.dir != TCPSTATE_DIR_IN && r->seg.dir != TCPSTATE_DIR_OUT)
			rec_fail(r, idx, "segment direction out of range");
		if (r->seg.sock > TCPSTATE_SOCK_TIMEWAIT)
			rec_fail(r, idx, "segment socket kind out of range");
		if (r->seg.state >= TCPSTATE_NR_STATES)
			rec_fail(r, idx, "segment state out of range");
		if (r->seg.sock == TCPSTATE_SOCK_NONE && r->seg.state)
			rec_fail(r, idx, "segment without socket with a state");
		if (r->seg.retrans > 1)
			rec_fail(r, idx, "segment retrans not 0/1");
		if (!all_zero(r->seg.__pad0, sizeof(r->seg.__pad0)) ||
		    !all_zero(r->seg.__reserved, sizeof(r->seg.__reserved)))
			rec_fail(r, idx, "SEGMENT padding not zero");
		break;
	case TCPSTATE_REC_REQUEST:
		if (!r->req.event || r->req.event > TCPSTATE_REQ_SYN_DROPPED)
			rec_fail(r, idx, "request event out of range");
		if (!all_zero(r->req.__pad0, sizeof(r->req.__pad0)) ||
		    !all_zero(r->req.__reserved, sizeof(r->req.__reserved)))
			rec_fail(r, idx, "REQUEST padding not zero");
		break;
	}
	if (!filter_ok(o, r)) {
		char why[320];

		if (o->nown)
			snprintf(why, sizeof(why), "passed no filter of its "
				 "session in force since it was made (now its "
				 "own: kinds %#x family %u ports %u addrs %u "
				 "netns %u pid %u comm '%.16s')",
				 o->own[o->nown - 1].f.kinds,
				 o->own[o->nown - 1].f.family,
				 o->own[o->nown - 1].f.nr_ports,
				 o->own[o->nown - 1].f.nr_addrs,
				 o->own[o->nown - 1].f.netns,
				 o->own[o->nown - 1].f.pid,
				 o->own[o->nown - 1].f.comm);
		else
			snprintf(why, sizeof(why), "passed no filter in force "
				 "since it was made (now the default, %s)",
				 filt_str(&mod.filt));
		rec_fail(r, idx, why);
	}
	if (taken && !seen_add(o - ofds, rec_hash(r)))
		rec_fail(r, idx, "read twice from one session (the same 128 "
			 "bytes came before)");
}

/*
 * @n bytes just read into @p from session @o: whole records, each good.
 * No order is asserted. read() merges the session's rings by ts_ns, but
 * a ring is in time order only give or take an interrupt's event on its
 * CPU (the time is taken before the ring's lock), the rings' records
 * are published out of time order by as much as a record takes to
 * build, and a later read() can return a record of one CPU older than
 * one of another CPU it already returned: nothing strict holds, within
 * one read() or across reads.
 */
static void check_records(const struct ofd *o, const void *p, size_t n)
{
	uint64_t t = now_ns();
	const struct tcpstate_rec *r;
	unsigned long good = 0;
	size_t i;

	if (n % REC)
		fail("read returned %zu bytes, not whole records", n);
	for (i = 0; i < n / REC; i++) {
		/* The buffer may be misaligned: copy. */
		struct tcpstate_rec rec;

		memcpy(&rec, (const char *)p + i * REC, REC);
		r = &rec;
		check_record(o, r, i, t, true);
		if (r->type == TCPSTATE_REC_LOST) {
			add(&sh->lost_records, 1);
			add(&sh->lost_events, r->lost.count);
			add(&sh->ofd_lost[o - ofds], r->lost.count);
		} else {
			good++;
		}
	}
	add(&sh->records, good);
	add(&sh->ofd_read[o - ofds], good);
	add(&sh->records_total, good);
	add(&sh->bytes, n);
}

/* --- sessions: their figures ---------------------------------------------- */

static const char *info_str(const struct tcpstate_session_info *in)
{
	static char buf[320];

	snprintf(buf, sizeof(buf), "id %u pid %u comm '%.16s' netns %u "
		 "nr_records %u nr_rings %u flags %#x recorded %llu read %llu "
		 "dropped %llu discarded %llu buffered %llu", in->id, in->pid,
		 in->comm, in->netns, in->nr_records, in->nr_rings, in->flags,
		 (unsigned long long)in->recorded,
		 (unsigned long long)in->read,
		 (unsigned long long)in->dropped,
		 (unsigned long long)in->discarded,
		 (unsigned long long)in->buffered);
	return buf;
}

/*
 * One session's figures (SESSION, SESSIONS, TCPSTATE_IOC_SESSION in a
 * thread) against the model of the file @o. With @exact nothing can be
 * reading the file (the main thread between ops): read must be exactly
 * the records that went through it. The figures are per-CPU sums read
 * while probes run: a probe may count an event recorded and dropped
 * between the two loads, at most a few per CPU, hence the slack; the
 * same for events counted recorded but not stored yet (buffered).
 */
static void check_figures(const char *what, struct ofd *o,
			  const struct tcpstate_session_info *in, bool self,
			  bool exact)
{
	unsigned long got = __atomic_load_n(&sh->ofd_read[o - ofds],
					    __ATOMIC_RELAXED);
	uint64_t out = in->read + in->dropped + in->discarded;
	uint64_t slack = 4 * ncpus;
	uint32_t flags = (self ? TCPSTATE_SESSION_SELF : 0) |
			 (o->nown ? 0 : TCPSTATE_SESSION_DEFAULT_FILTER);
	const struct tcpstate_session_info *l = &o->last;
	struct tcpstate_filter f;

	if (o->sid && in->id != o->sid)
		fail("%s: session id %u, the file's is %u", what, in->id,
		     o->sid);
	if (in->pid != (uint32_t)o->opener || strncmp(in->comm, my_comm, 16) ||
	    in->netns || in->nr_records != o->nr_records ||
	    in->nr_rings != nr_rings || in->flags != flags)
		fail("%s: %s; expected pid %d comm '%s' netns 0 nr_records %u "
		     "nr_rings %u flags %#x", what, info_str(in), o->opener,
		     my_comm, o->nr_records, nr_rings, flags);
	if (in->opened_ns < o->t_open0 || in->opened_ns > o->t_open1)
		fail("%s: opened_ns %llu outside the open() call [%llu, %llu]",
		     what, (unsigned long long)in->opened_ns,
		     (unsigned long long)o->t_open0,
		     (unsigned long long)o->t_open1);
	if (out > in->recorded + slack ||
	    in->buffered > (uint64_t)nr_rings * o->nr_records + slack)
		fail("%s: %s: read + dropped + discarded is more than "
		     "recorded, or more buffered than the buffer holds", what,
		     info_str(in));
	if (exact && in->read != got)
		fail("%s: %s, but %lu records were read through the file",
		     what, info_str(in), got);
	if (o->have_last &&
	    (in->recorded < l->recorded || in->read < l->read ||
	     in->dropped < l->dropped || in->discarded < l->discarded))
		fail("%s: %s went back from %s", what, info_str(in),
		     info_str(l));
	filter_now(o, &f);
	if (memcmp(&in->filter, &f, sizeof(f)))
		fail("%s: the filter shown is not the session's (%s, kinds "
		     "%#x, expected %#x)", what, o->nown ? "its own" :
		     "the default", in->filter.kinds, f.kinds);
}

/* A new session: its id, and figures that start from nothing. */
static void learn_session(int fd, struct ofd *o)
{
	struct tcpstate_session_info in;
	int i;

	if (CALL(ioctl(fd, TCPSTATE_IOC_SESSION, &in)))
		fail("ioctl(%d, SESSION) of a new session = %s", fd,
		     err_name(errno));
	for (i = 0; i < MAX_OFDS; i++)
		if (ofds[i].used && &ofds[i] != o && ofds[i].sid == in.id)
			fail("a new session got id %u, a live one's", in.id);
	if (!in.id || in.read || in.discarded)
		fail("a new session: %s", info_str(&in));
	check_figures("new session", o, &in, true, true);
	o->sid = in.id;
	o->last = in;
	o->have_last = true;
}

/* --- ops: open, close, dup ------------------------------------------------- */

static void check_cloexec(int fd, bool want)
{
	int r = CALL(fcntl(fd, F_GETFD));

	if (r < 0 || !!(r & FD_CLOEXEC) != want)
		fail("fd %d: FD_CLOEXEC is %d, expected %d", fd,
		     r < 0 ? -1 : !!(r & FD_CLOEXEC), want);
}

static void op_open(bool in_child)
{
	static const int accs[] = { O_RDONLY, O_RDONLY, O_RDONLY, O_RDWR,
				    O_RDWR, O_WRONLY, ACC_NONE };
	static const int extra[] = { O_APPEND, O_NOCTTY, O_SYNC, O_DSYNC,
				     O_NOATIME, O_ASYNC, O_TRUNC, O_NOFOLLOW,
				     O_LARGEFILE };
	int acc = accs[rnd(ARRAY_SIZE(accs))], flags = acc, want, fd, err, o;
	bool path = false, direct = false, check;
	unsigned long missed0;
	uint64_t t0, t1;
	size_t i;

	if (chance(450))
		flags |= O_NONBLOCK;
	if (chance(300))
		flags |= O_CLOEXEC;
	for (i = 0; i < ARRAY_SIZE(extra); i++)
		if (chance(60))
			flags |= extra[i];
	/* The odd ones, rarely: each has its own answer. */
	switch (rnd(40)) {
	case 0:
		flags |= O_PATH;
		path = true;
		break;
	case 1:
		flags |= O_DIRECTORY;
		break;
	case 2:
		flags |= O_DIRECT;
		direct = true;
		break;
	case 3:
		/* Never while unloaded: it would create a regular file. */
		if (mod.loaded)
			flags |= O_CREAT;
		break;
	case 4:
		if (mod.loaded)
			flags |= O_CREAT | O_EXCL;
		break;
	case 5:
		flags |= O_EXCL;
		break;
	}
	if (path && chance(300))
		flags |= O_DIRECTORY;
	check = !in_child || chance(500);

	/* What the VFS and tcpstate_open() must answer, in their order. */
	if (!mod.loaded)
		want = ENOENT;
	else if (flags & O_DIRECTORY)
		want = ENOTDIR;
	else if (path)
		want = 0;
	else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		want = EEXIST;
	else if (live_sessions() >= (int)mod.max_sessions)
		want = EBUSY;	/* max_sessions live: tcpstate_open() */
	else if (direct)
		want = EINVAL;	/* after open; release() must still run */
	else
		want = 0;

	if (nr_fds() == MAX_FDS) {
		note("descriptor table full, skipped");
		return;
	}
	if (!want && !path &&
	    ring_bytes() + session_bytes(mod.nr_records) > RING_BUDGET) {
		note("%lu bytes of rings held, skipped", ring_bytes());
		return;
	}
	missed0 = mod.loaded ? events_missed() : 0;
	t0 = now_ns();
	fd = CALL(open(DEV_PATH, flags, 0600));
	err = fd < 0 ? errno : 0;
	t1 = now_ns();
	note("open(%#x) = %d %s (expected %s)", flags, fd, err_name(err),
	     err_name(want));
	if (err != want) {
		if (fd >= 0)
			close(fd);
		fail("open(" DEV_PATH ", %#x) = %s, expected %s (%d sessions "
		     "live, max_sessions %u%s)", flags, err_name(err),
		     err_name(want), live_sessions(), mod.max_sessions,
		     mod.loaded ? "" : ", module unloaded");
	}
	if (err == EBUSY)
		add(&sh->busy_opens, 1);
	if (fd < 0)
		return;
	o = new_ofd(acc, flags & O_NONBLOCK, path);
	if (o < 0)
		fail("model: no open file slot");
	add_fd(fd, o, flags & O_CLOEXEC);
	ofds[o].t_open0 = t0;
	ofds[o].t_open1 = t1;
	ofds[o].missed0 = missed0;
	if (check)
		check_cloexec(fd, flags & O_CLOEXEC);
	if (!path)
		learn_session(fd, &ofds[o]);
}

static void op_close(void)
{
	struct pick p;
	int r, err, i;

	/* Now and then everything: the module can go, the next open works. */
	if (chance(120)) {
		for (i = 0; i < MAX_FDS; i++) {
			if (!fds[i].used)
				continue;
			if (CALL(close(fds[i].fd)))
				fail("close(%d) = %s", fds[i].fd,
				     err_name(errno));
			drop_fd(i);
		}
		note("closed every descriptor");
		return;
	}
	p = pick_fd(80);

	r = CALL(close(p.fd));
	err = r ? errno : 0;
	note("close(%d) = %s", p.fd, err_name(err));
	if (err != (p.o ? 0 : EBADF))
		fail("close(%d) = %s, expected %s", p.fd, err_name(err),
		     p.o ? "OK" : "EBADF");
	if (p.o)
		drop_fd(p.slot);
}

static void op_dup(void)
{
	struct pick p = pick_fd(60);
	bool cloexec = chance(300);
	int fd, err;

	if (nr_fds() == MAX_FDS)
		return;
	/* O_PATH descriptors can be duplicated: fcntl() uses fdget_raw(). */
	fd = CALL(fcntl(p.fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3));
	err = fd < 0 ? errno : 0;
	note("dup(%d) = %d %s", p.fd, fd, err_name(err));
	if (err != (p.o ? 0 : EBADF))
		fail("fcntl(%d, F_DUPFD) = %s, expected %s", p.fd,
		     err_name(err), p.o ? "OK" : "EBADF");
	if (fd >= 0) {
		add_fd(fd, fds[p.slot].ofd, cloexec);
		check_cloexec(fd, cloexec);
	}
}

static void op_dup2(void)
{
	struct pick p = pick_fd(60);
	int target = DUP2_BASE + rnd(DUP2_SPAN), slot = fd_slot(target);
	bool cloexec = chance(300), three = chance(500) && target != p.fd;
	int r, err, want;

	if (nr_fds() == MAX_FDS && slot < 0)
		return;
	if (three)
		r = CALL(dup3(p.fd, target, cloexec ? O_CLOEXEC : 0));
	else
		r = CALL(dup2(p.fd, target));
	err = r < 0 ? errno : 0;
	want = p.o ? 0 : EBADF;
	note("dup%d(%d, %d) = %s", three ? 3 : 2, p.fd, target, err_name(err));
	if (err != want || (!err && r != target))
		fail("dup%d(%d, %d) = %d %s, expected %s", three ? 3 : 2, p.fd,
		     target, r, err_name(err), err_name(want));
	if (err || target == p.fd)
		return;
	/* dup2() closed what was at target first. */
	if (slot >= 0)
		drop_fd(slot);
	add_fd(target, fds[p.slot].ofd, three && cloexec);
}

/* --- ops: read --------------------------------------------------------------- */

/* Records are waiting: poll() must say so, and a read must get them. */
static void check_still_readable(int fd, const char *after)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int r = CALL(poll(&pfd, 1, 0));

	if (r != 1 || !(pfd.revents & POLLIN))
		fail("fd %d: records were there (%s) but poll() says %d "
		     "revents %#x", fd, after, r, pfd.revents);
}

/* read() or poll() reached tcpstate_read()/_poll(): no SET_BUFFER now. */
static void set_started(const struct ofd *o, int st)
{
	int *p = &sh->ofd_started[o - ofds];

	if (st == ST_YES || __atomic_load_n(p, __ATOMIC_RELAXED) == ST_NO)
		__atomic_store_n(p, st, __ATOMIC_RELAXED);
}

/*
 * A read's answer, given what the model knows: the buffer's writable
 * part, the file's mode, whether records may be waiting.
 */
static void check_read(int fd, const struct ofd *o, const struct ubuf *b,
		       size_t len, ssize_t r, int err)
{
	size_t maxk = (b->writable < len ? b->writable : len) / REC;

	/*
	 * vfs_read() refuses a pointer access_ok() refuses before the
	 * driver runs; tcpstate_read() refuses less than a record before
	 * it starts the session.
	 */
	if (readable(o) && !kernel_buf(b) && len >= REC)
		set_started(o, b->kind == B_NONCANON && err == EFAULT ?
			    ST_MAYBE : ST_YES);
	if (!usable(o) || !readable(o)) {
		if (err != EBADF)
			fail("read(%d) of a file not open for reading = %zd %s, "
			     "expected EBADF", fd, r, err_name(err));
		return;
	}
	/* Refused by access_ok() without LA57, else just unmapped. */
	if (b->kind == B_NONCANON && err == EFAULT)
		return;
	if (kernel_buf(b)) {
		if (err != EFAULT)
			fail("read(%d, %s pointer %p, %zu) = %zd %s, expected "
			     "EFAULT", fd, buf_names[b->kind], (void *)b->p,
			     len, r, err_name(err));
		return;
	}
	if (len < REC) {
		if (err != EINVAL)
			fail("read(%d, %zu bytes) = %zd %s, expected EINVAL "
			     "(less than a record)", fd, len, r, err_name(err));
		return;
	}
	/* Mapped: read through the map only (two consumers would race). */
	if (o->mapped) {
		if (err != EBUSY)
			fail("read(%d) of a mapped session = %zd %s, expected "
			     "EBUSY", fd, r, err_name(err));
		return;
	}
	if (r >= 0) {
		if (!r || r % REC || (size_t)r / REC > maxk)
			fail("read(%d, %s buffer, %zu bytes, %zu writable) "
			     "returned %zd bytes", fd, buf_names[b->kind], len,
			     b->writable, r);
		check_records(o, b->p, r);
		return;
	}
	switch (err) {
	case EAGAIN:
		if (!o->nonblock)
			fail("read(%d) of a blocking file = EAGAIN", fd);
		return;
	case EINTR:
		if (o->nonblock)
			fail("read(%d) of an O_NONBLOCK file = EINTR", fd);
		return;
	case EFAULT:
		/*
		 * Only when not one whole record could be written (the copy
		 * stops at the exact faulting byte). The records stay in
		 * the ring for the next read.
		 */
		if (maxk)
			fail("read(%d, %s buffer, %zu bytes, %zu writable) = "
			     "EFAULT, but a record fitted", fd,
			     buf_names[b->kind], len, b->writable);
		check_still_readable(fd, "after EFAULT");
		return;
	default:
		fail("read(%d, %s buffer, %zu bytes) = %s", fd,
		     buf_names[b->kind], len, err_name(err));
	}
}

static void do_read(const struct pick *p, bool in_child)
{
	size_t len = pick_len(MIB);
	struct ubuf b = pick_buf(len, in_child ? 100 : 250);
	unsigned int ms = rnd_range(5, 40);
	bool block = p->o && !p->o->nonblock;
	ssize_t r;
	int err;

	if (b.kind == B_UNMAPPED)
		check_hole();
	if (block)
		arm_alarm(ms);
	r = CALL(read(p->fd, b.p, len));
	err = r < 0 ? errno : 0;
	if (block)
		disarm_alarm();
	note("read(%d, %s %p, %zu) = %zd %s", p->fd, buf_names[b.kind],
	     (void *)b.p, len, r, err_name(err));
	check_read(p->fd, p->o, &b, len, r, err);
}

static void op_read(bool in_child)
{
	struct pick p = pick_fd(40);

	do_read(&p, in_child);
}

/* The device is not seekable (nonseekable_open()): pread is ESPIPE. */
static void op_pread(void)
{
	struct pick p = pick_fd(60);
	off_t off = rnd(4) ? (off_t)rnd(1 << 20) : -(off_t)rnd_range(1, 4096);
	size_t len = rnd_range(REC, 8 * REC);
	ssize_t r;
	int err, want;

	r = CALL(pread(p.fd, valid, len, off));
	err = r < 0 ? errno : 0;
	want = off < 0 ? EINVAL : !usable(p.o) ? EBADF : ESPIPE;
	note("pread(%d, %zu, %lld) = %zd %s", p.fd, len, (long long)off, r,
	     err_name(err));
	if (err != want)
		fail("pread(%d, %zu, %lld) = %zd %s, expected %s", p.fd, len,
		     (long long)off, r, err_name(err), err_name(want));
}

/* No write method: EBADF if not open for writing, else EINVAL. */
static void op_write(void)
{
	struct pick p = pick_fd(60);
	size_t len = rnd(4) ? rnd(8192) : 0;
	struct ubuf b = pick_buf(len, 200);
	bool positional = chance(200);
	off_t off = rnd(3) ? (off_t)rnd(4096) : -1;
	ssize_t r;
	int err, want;
	size_t i;

	for (i = 0; b.kind == B_VALID && i < len; i++)
		b.p[i] = rnd(256);
	if (positional)
		r = CALL(pwrite(p.fd, b.p, len, off));
	else
		r = CALL(write(p.fd, b.p, len));
	err = r < 0 ? errno : 0;
	if (positional)
		want = off < 0 ? EINVAL : !usable(p.o) ? EBADF : ESPIPE;
	else
		want = !writable(p.o) ? EBADF : EINVAL;
	note("%swrite(%d, %s, %zu) = %zd %s", positional ? "p" : "", p.fd,
	     buf_names[b.kind], len, r, err_name(err));
	if (err != want)
		fail("%swrite(%d, %s buffer, %zu) = %zd %s, expected %s",
		     positional ? "p" : "", p.fd, buf_names[b.kind], len, r,
		     err_name(err), err_name(want));
}

static void op_lseek(void)
{
	struct pick p = pick_fd(60);
	static const off_t offs[] = { 0, 1, 128, -1, -128, 1 << 30 };
	off_t off = offs[rnd(ARRAY_SIZE(offs))];
	int whence = rnd(7), err, want;
	off_t r;

	r = CALL(lseek(p.fd, off, whence));
	err = r < 0 ? errno : 0;
	want = !usable(p.o) ? EBADF : whence > SEEK_HOLE ? EINVAL : ESPIPE;
	note("lseek(%d, %lld, %d) = %s", p.fd, (long long)off, whence,
	     err_name(err));
	if (err != want)
		fail("lseek(%d, %lld, %d) = %lld %s, expected %s", p.fd,
		     (long long)off, whence, (long long)r, err_name(err),
		     err_name(want));
}

/* --- ops: mmap, and a mapped session's reader ------------------------------ */

/* The first possible CPU id after @k others. */
static unsigned int nth_possible(unsigned int k)
{
	unsigned int i;

	for (i = 0; i < nr_rings; i++)
		if (cpu_possible[i] && !k--)
			return i;
	fail("model: fewer than %u possible CPUs", k);
}

/*
 * What the reader does with a map that works, drawn before the map:
 * how much of each ring it hands back, and whether it first tries a
 * consumer the kernel must refuse.
 */
enum { TAKE_ALL, TAKE_NONE, TAKE_HALF, TAKE_ONE_RING, NR_TAKES };

struct map_plan {
	unsigned int take;	/* TAKE_* */
	unsigned int ring;	/* which possible ring: TAKE_ONE_RING's, the broken one */
	bool bad;		/* first a consumer out of [tail, head] there */
	bool behind;		/* ... behind tail, else past head */
	uint64_t off;		/* ... by this much more */
	short events;		/* what its polls ask for */
};

/* The reader's view of each ring: tail, head, what it hands back. */
static uint64_t *m_tail, *m_head, *m_take;

static struct tcpstate_mmap_page *map_ring(char *m, unsigned long rs,
					   unsigned int i)
{
	return (struct tcpstate_mmap_page *)(m + (unsigned long)i * rs);
}

/* Ring @i's header page, as uapi/tcpstate.h describes it. */
static void check_map_header(const struct tcpstate_mmap_page *h, unsigned int i,
			     uint32_t nr, unsigned long rs)
{
	uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_RELAXED);
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);

	if (h->version != TCPSTATE_ABI_VERSION || h->rec_size != REC ||
	    h->nr_records != nr || h->ring != i || h->data_offset != PAGE ||
	    h->data_size != rs - PAGE || h->nr_rings != nr_rings ||
	    h->__pad0 || h->ring_size != rs ||
	    !all_zero(h->__reserved1, sizeof(h->__reserved1)))
		fail("map: ring %u's header: version %u rec_size %u nr_records "
		     "%u ring %u data_offset %llu data_size %llu nr_rings %u "
		     "pad %u ring_size %llu, expected %u %zu %u %u %lu %lu %u 0 "
		     "%lu, reserved zero", i, h->version, h->rec_size,
		     h->nr_records, h->ring,
		     (unsigned long long)h->data_offset,
		     (unsigned long long)h->data_size, h->nr_rings, h->__pad0,
		     (unsigned long long)h->ring_size, TCPSTATE_ABI_VERSION,
		     REC, nr, i, PAGE, rs - PAGE, nr_rings, rs);
	if (head - tail > nr)
		fail("map: ring %u: head %llu tail %llu, more than its %u "
		     "slots", i, (unsigned long long)head,
		     (unsigned long long)tail, nr);
	/* A CPU id that is not possible keeps an empty ring in its place. */
	if (!cpu_possible[i] && (head || tail || h->consumer))
		fail("map: ring %u, of no possible CPU, has head %llu tail "
		     "%llu consumer %llu", i, (unsigned long long)head,
		     (unsigned long long)tail,
		     (unsigned long long)h->consumer);
}

/* Every ring's tail where the model has it (m_tail[] + m_take[] or not). */
static void check_tails(char *m, unsigned long rs, bool taken,
			const char *after)
{
	uint64_t tail, want;
	unsigned int i;

	for (i = 0; i < nr_rings; i++) {
		if (!cpu_possible[i])
			continue;
		tail = __atomic_load_n(&map_ring(m, rs, i)->tail,
				       __ATOMIC_RELAXED);
		want = m_tail[i] + (taken ? m_take[i] : 0);
		if (tail != want)
			fail("map: ring %u's tail is %llu %s, expected %llu "
			     "(it was %llu, the reader handed back %llu)", i,
			     (unsigned long long)tail, after,
			     (unsigned long long)want,
			     (unsigned long long)m_tail[i],
			     (unsigned long long)m_take[i]);
	}
}

/* The session's figures now, exactly the model's (no one else reads). */
static void check_session_now(const struct pick *p, const char *what)
{
	struct tcpstate_session_info in;

	if (CALL(ioctl(p->fd, TCPSTATE_IOC_SESSION, &in)))
		fail("ioctl(%d, SESSION) %s = %s", p->fd, what,
		     err_name(errno));
	check_figures(what, p->o, &in, true, true);
	p->o->last = in;
	check_lost(p->o, &in);
}

/* A poll() of the mapped session, that must not wait: its revents. */
static short map_poll(const struct pick *p, short events, const char *what)
{
	struct pollfd pfd = { p->fd, events, 0 };
	int r = CALL(poll(&pfd, 1, 0));

	if (r < 0 || r != !!pfd.revents)
		fail("poll(%d) %s = %d %s, revents %#x", p->fd, what, r,
		     err_name(r < 0 ? errno : 0), pfd.revents);
	return pfd.revents;
}

/*
 * A map of the session's every ring that worked: read it as a reader
 * does (uapi/tcpstate.h). Each header as documented; in each ring, the
 * records from its tail to its head, each good and its ring's CPU's;
 * then, if the map is writable, some of them handed back: each ring's
 * consumer stored, and poll() takes back exactly that much of every
 * ring, counted as read. Before that, as drawn, one ring's consumer
 * out of [tail, head]: poll() says EPOLLERR alone and takes back
 * nothing from any ring. A read-only map only looks: what it saw comes
 * again.
 *
 * The kernel never writes consumer: it is 0 until a writable map of
 * ours stores it, and then stays at its ring's tail (we poll right
 * after). A session read() from before its first map has tails past 0:
 * its 0 consumers are behind them and every poll() is EPOLLERR until a
 * writable map puts them right.
 */
static void map_reader(const struct pick *p, char *m,
		       const struct map_plan *pl, bool was_mapped)
{
	struct ofd *o = p->o;
	uint32_t nr = o->nr_records;
	unsigned long rs = ring_size_of(nr);
	unsigned long good = 0, lost = 0, lost_events = 0, taken = 0;
	unsigned int i, sel = nth_possible(pl->ring % npossible);
	bool can_write = writable(o), bad = false;
	struct tcpstate_mmap_page *h;
	struct tcpstate_rec rec;
	uint64_t t, pos, cons, n;
	size_t idx = 0;
	short rev;

	add(&sh->maps, 1);
	/* Whatever it was mapped with, the reader's own access. */
	if (CALL(mprotect(m, map_size_of(nr),
			  PROT_READ | (can_write ? PROT_WRITE : 0))))
		fail("mprotect(the map, PROT_READ%s) = %s",
		     can_write ? " | PROT_WRITE" : "", err_name(errno));
	for (i = 0; i < nr_rings; i++) {
		h = map_ring(m, rs, i);
		check_map_header(h, i, nr, rs);
		m_tail[i] = __atomic_load_n(&h->tail, __ATOMIC_RELAXED);
		m_head[i] = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
		m_take[i] = 0;
		if (!cpu_possible[i])
			continue;
		cons = __atomic_load_n(&h->consumer, __ATOMIC_RELAXED);
		if (cons != (o->consumer_set ? m_tail[i] : 0))
			fail("map: ring %u's consumer is %llu (tail %llu), "
			     "expected %s", i, (unsigned long long)cons,
			     (unsigned long long)m_tail[i], o->consumer_set ?
			     "its tail, where our last map left it" :
			     "0: no map of ours wrote it");
		bad |= cons != m_tail[i];
	}
	if (was_mapped && bad != o->consumer_bad)
		fail("map: a ring's consumer is %sbehind its tail, but it %s "
		     "at the last map", bad ? "" : "no longer ",
		     bad ? "was not" : "was");

	t = now_ns();
	for (i = 0; i < nr_rings; i++) {
		if (!cpu_possible[i])
			continue;
		h = map_ring(m, rs, i);
		n = m_head[i] - m_tail[i];
		if (can_write)
			m_take[i] = pl->take == TAKE_ALL ? n :
				    pl->take == TAKE_HALF ? n / 2 :
				    pl->take == TAKE_ONE_RING && i == sel ? n :
				    0;
		for (pos = m_tail[i]; pos != m_head[i]; pos++, idx++) {
			bool mine = pos - m_tail[i] < m_take[i];

			memcpy(&rec, (char *)h + PAGE + (pos & (nr - 1)) * REC,
			       REC);
			check_record(o, &rec, idx, t, mine);
			/* An event goes to the ring of the CPU that saw it. */
			if (rec.cpu != i)
				rec_fail(&rec, idx, "in another CPU's ring");
			if (!mine)
				continue;
			taken++;
			if (rec.type == TCPSTATE_REC_LOST) {
				lost++;
				lost_events += rec.lost.count;
			} else {
				good++;
			}
		}
	}
	if (verbose) {
		char per[160];
		int k = 0;

		for (i = 0; i < nr_rings && i < 8; i++)
			k += snprintf(per + k, sizeof(per) - k, " %llu/%llu",
				      (unsigned long long)m_take[i],
				      (unsigned long long)(m_head[i] -
							   m_tail[i]));
		note("map of %u rings, %s, consumers %s: %zu records, %lu "
		     "handed back (%lu LOST); by ring, taken/there:%s",
		     nr_rings, can_write ? "writable" : "read-only",
		     bad ? "behind" : "good", idx, taken, lost, per);
	}

	if (!can_write) {
		add(&sh->maps_ro, 1);
		/* poll() takes back nothing; EPOLLERR if a consumer is wrong. */
		rev = map_poll(p, pl->events, "of a read-only map");
		if (bad ? rev != POLLERR : !!(rev & POLLERR))
			fail("poll(%d) of a read-only map: revents %#x, a "
			     "consumer %s its tail", p->fd, rev,
			     bad ? "behind" : "at");
		check_tails(m, rs, false, "after a poll of a read-only map");
		check_session_now(p, "after a poll of a read-only map");
		o->consumer_bad = bad;
		return;
	}

	if (pl->bad) {
		add(&sh->maps_refused, 1);
		for (i = 0; i < nr_rings; i++)
			if (cpu_possible[i])
				__atomic_store_n(&map_ring(m, rs, i)->consumer,
						 i != sel ? m_tail[i] + m_take[i] :
						 pl->behind ? m_tail[i] - 1 - pl->off :
						 m_tail[i] + nr + 1 + pl->off,
						 __ATOMIC_RELEASE);
		rev = map_poll(p, pl->events, "with a consumer out of range");
		if (rev != POLLERR)
			fail("poll(%d): ring %u's consumer %s, revents %#x, "
			     "expected POLLERR", p->fd, sel, pl->behind ?
			     "behind its tail" : "past its head", rev);
		check_tails(m, rs, false, "after a refused consumer");
		check_session_now(p, "after a refused consumer");
	}
	for (i = 0; i < nr_rings; i++)
		if (cpu_possible[i])
			__atomic_store_n(&map_ring(m, rs, i)->consumer,
					 m_tail[i] + m_take[i],
					 __ATOMIC_RELEASE);
	rev = map_poll(p, pl->events, "handing back records");
	if (rev & ~(pl->events & (POLLIN | POLLRDNORM)))
		fail("poll(%d) handing back records: revents %#x", p->fd, rev);
	check_tails(m, rs, true, "after the poll that handed them back");
	add(&sh->records, good);
	add(&sh->records_total, good);
	add(&sh->ofd_read[o - ofds], good);
	add(&sh->lost_records, lost);
	add(&sh->lost_events, lost_events);
	add(&sh->ofd_lost[o - ofds], lost_events);
	add(&sh->bytes, taken * REC);
	add(&sh->map_records, taken);
	o->consumer_set = true;
	o->consumer_bad = false;
	check_session_now(p, "after the poll that handed records back");
}

/*
 * The VFS's checks, then tcpstate_session_map()'s: a private map is
 * EINVAL, an executable one EPERM, an offset EINVAL, and so is any size
 * but the session's every ring: nr_rings times a header page plus the
 * slots. The lengths drawn are junk (0, 1, a page, a MiB), near that
 * size (a page or a ring more or less, one ring alone, the size for
 * another nr_records) or that size: a shared map of it at offset 0
 * works, and is then read (map_reader()). From then on the session is
 * read through maps only: read() is EBUSY, SET_BUFFER too, and every
 * poll() takes back what the consumers say.
 */
static void op_mmap(void)
{
	static const int types[] = { MAP_SHARED, MAP_PRIVATE,
				     MAP_SHARED_VALIDATE, 0 };
	static const size_t lens[] = { 0, 1, PAGE, MIB };
	static const int good_prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ, PROT_WRITE, PROT_NONE,
	};
	static const short evs[] = { POLLIN, POLLIN | POLLRDNORM, POLLRDNORM,
				     0 };
	struct pick p = pick_fd(60);
	int type = types[rnd(ARRAY_SIZE(types))], flags;
	int prot = rnd(8), err, want;
	uint32_t nr = p.o ? p.o->nr_records : mod.nr_records;
	size_t good = map_size_of(nr), rs = ring_size_of(nr), len;
	off_t off = rnd(4) ? (off_t)(rnd(3) * PAGE) : 100;
	bool sync = chance(200), was_mapped;
	struct map_plan pl;
	void *m;

	pl.take = rnd(NR_TAKES);
	pl.ring = rnd(1024);
	pl.bad = chance(300);
	pl.behind = rnd(2);
	pl.off = rnd(3) ? 0 : rnd64() >> 40;
	pl.events = evs[rnd(ARRAY_SIZE(evs))];
	switch (rnd(10)) {
	case 0: case 1: case 2: case 3:
		len = lens[rnd(ARRAY_SIZE(lens))];
		break;
	case 4: case 5:
		switch (rnd(6)) {
		case 0:
			len = good - PAGE;
			break;
		case 1:
			len = good + PAGE;
			break;
		case 2:	/* one ring: the whole buffer before ABI 3 */
			len = rs;
			break;
		case 3:	/* a ring too many, or too few */
			len = rnd(2) ? good + rs : good - rs;
			break;
		default: /* the size of another nr_records */
			len = map_size_of(nr < TCPSTATE_BUFFER_MAX ? nr * 2 :
					  nr / 2);
			break;
		}
		break;
	default:
		len = good;
		/* Mostly a map that works, writable if the file is. */
		if (rnd(4)) {
			type = rnd(3) ? MAP_SHARED : MAP_SHARED_VALIDATE;
			prot = good_prots[rnd(ARRAY_SIZE(good_prots))];
			if (!writable(p.o) && rnd(4))
				prot &= ~PROT_WRITE;
			if (rnd(8))
				off = 0;
			sync = false;
		}
		break;
	}
	flags = type;
	if (sync)
		flags |= MAP_SYNC;
	if (chance(200))
		flags |= MAP_POPULATE;
	m = CALL(mmap(NULL, len, prot, flags, p.fd, off));
	err = m == MAP_FAILED ? errno : 0;
	if (off % PAGE)
		want = EINVAL;
	else if (!usable(p.o))
		want = EBADF;
	else if (!len || (type != MAP_SHARED && type != MAP_PRIVATE &&
			  type != MAP_SHARED_VALIDATE))
		want = EINVAL;
	else if (type == MAP_SHARED_VALIDATE && sync)
		want = EOPNOTSUPP;
	else if (type != MAP_PRIVATE && (prot & PROT_WRITE) && !writable(p.o))
		want = EACCES;
	else if (!readable(p.o))
		want = EACCES;
	else if (dev_noexec && (prot & PROT_EXEC))
		want = EPERM;
	else if (type == MAP_PRIVATE)
		want = EINVAL;
	else if (prot & PROT_EXEC)
		want = EPERM;
	else if (off || len != good)
		want = EINVAL;
	else
		want = 0;
	note("mmap(%zu, prot %#x, flags %#x, %d, %lld) = %s (the size is %zu)",
	     len, prot, flags, p.fd, (long long)off, err_name(err), good);
	if (err != want) {
		if (!err)
			munmap(m, len);
		fail("mmap(len %zu, prot %#x, flags %#x, fd %d, off %lld) = %s, "
		     "expected %s (the session's size: %u rings of %zu bytes)",
		     len, prot, flags, p.fd, (long long)off, err_name(err),
		     err_name(want), nr_rings, rs);
	}
	if (err)
		return;
	/* Fixed from here: SET_BUFFER is EBUSY. */
	set_started(p.o, ST_YES);
	was_mapped = p.o->mapped;
	p.o->mapped = true;
	map_reader(&p, m, &pl, was_mapped);
	if (CALL(munmap(m, len)))
		fail("munmap of the session's map = %s", err_name(errno));
}

/* --- ops: poll, ppoll, epoll ------------------------------------------------ */

static const short poll_bits[] = { POLLIN, POLLRDNORM, POLLOUT, POLLPRI,
				   POLLWRNORM, POLLRDHUP, POLLRDBAND };

/*
 * POLLIN on a file open for reading, and nobody else reading: the
 * next read must return records at once, blocking or not.
 */
static void read_after_pollin(const struct pick *p, size_t len)
{
	bool block = !p->o->nonblock;
	ssize_t r;
	int err;

	if (block)
		arm_alarm(2000);
	r = CALL(read(p->fd, valid, len));
	err = r < 0 ? errno : 0;
	if (block)
		disarm_alarm();
	if (r <= 0)
		fail("poll() said fd %d is readable, then read() = %zd %s",
		     p->fd, r, err_name(err));
	check_records(p->o, valid, r);
}

static void do_poll(bool use_ppoll, bool in_child)
{
	struct pollfd pfd[4];
	struct pick picks[4];
	int n = rnd_range(1, 4), i, j, r, err, want = 0, timeout = rnd(15);
	struct timespec ts = { 0, timeout * 1000000L };
	/* Drawn whatever poll says: outcomes must not steer the PRNG. */
	size_t after_len = rnd_range(1, 32) * REC;
	bool use_mask = rnd(2);
	sigset_t mask;

	for (i = 0; i < n; i++) {
		picks[i] = pick_fd(100);
		pfd[i].fd = picks[i].fd;
		pfd[i].events = 0;
		for (j = 0; j < (int)ARRAY_SIZE(poll_bits); j++)
			if (chance(400))
				pfd[i].events |= poll_bits[j];
		pfd[i].revents = (short)rnd(0x10000);	/* must be overwritten */
	}
	sigemptyset(&mask);
	if (use_ppoll)
		r = CALL(ppoll(pfd, n, &ts, use_mask ? &mask : NULL));
	else
		r = CALL(poll(pfd, n, timeout));
	err = r < 0 ? errno : 0;
	note("%spoll(%d fds, %d ms) = %d %s, revents %#x %#x %#x %#x",
	     use_ppoll ? "p" : "", n, timeout, r, err_name(err),
	     pfd[0].revents, n > 1 ? pfd[1].revents : 0,
	     n > 2 ? pfd[2].revents : 0, n > 3 ? pfd[3].revents : 0);
	if (r < 0)
		fail("%spoll() = %s", use_ppoll ? "p" : "", err_name(err));
	for (i = 0; i < n; i++) {
		short ev = pfd[i].events, rev = pfd[i].revents, ready;

		if (pfd[i].fd < 0) {
			if (rev)
				fail("poll: negative fd got revents %#x", rev);
			continue;
		}
		if (!usable(picks[i].o)) {
			if (rev != POLLNVAL)
				fail("poll: fd %d (closed or O_PATH) revents "
				     "%#x, expected POLLNVAL", pfd[i].fd, rev);
			want++;
			continue;
		}
		/* tcpstate_poll() ran (whatever the events): started. */
		set_started(picks[i].o, ST_YES);
		/*
		 * tcpstate_poll() says IN|RDNORM or nothing; EPOLLERR, and
		 * only that, for a map whose consumer it refuses.
		 */
		ready = picks[i].o->consumer_bad ? POLLERR :
			ev & (POLLIN | POLLRDNORM);
		if (picks[i].o->consumer_bad ? rev != ready :
		    rev && rev != ready)
			fail("poll: fd %d events %#x revents %#x, expected "
			     "%s%#x%s", pfd[i].fd, ev, rev,
			     picks[i].o->consumer_bad ? "" : "0 or ", ready,
			     picks[i].o->consumer_bad ?
			     " (a ring's consumer behind its tail)" : "");
		want += !!rev;
	}
	if (r != want)
		fail("poll returned %d, but %d entries have revents", r, want);
	/* A duplicate descriptor may be listed twice: read once. */
	for (i = 0; i < n && !in_child; i++) {
		if ((pfd[i].revents & POLLIN) && readable(picks[i].o) &&
		    !picks[i].o->mapped) {
			read_after_pollin(&picks[i], after_len);
			break;
		}
	}
}

static void op_poll(bool in_child)
{
	do_poll(false, in_child);
}

static void op_ppoll(void)
{
	do_poll(true, false);
}

static int ep_find(int fd, unsigned int id)
{
	int i;

	for (i = 0; i < ep_n; i++)
		if (ep_items[i].fd == fd && ep_items[i].ofd_id == id)
			return i;
	return -1;
}

/* The open file of that id: it is in our epoll, so still open. */
static const struct ofd *ofd_by_id(unsigned int id)
{
	int i;

	for (i = 0; i < MAX_OFDS; i++)
		if (ofds[i].used && ofds[i].id == id)
			return &ofds[i];
	return NULL;
}

static void ep_wait(int epfd, bool persistent, int only_fd)
{
	struct epoll_event evs[MAX_EP];
	int timeout = rnd(10), r, i, err;

	r = CALL(epoll_wait(epfd, evs, MAX_EP, timeout));
	err = r < 0 ? errno : 0;
	if (r < 0)
		fail("epoll_wait = %s", err_name(err));
	for (i = 0; i < r; i++) {
		int fd = (int)(evs[i].data.u64 & 0xffffffff);
		unsigned int id = evs[i].data.u64 >> 32;
		const struct ofd *o = ofd_by_id(id);
		bool bad = o && o->consumer_bad;

		if (persistent ? ep_find(fd, id) < 0 : fd != only_fd)
			fail("epoll_wait: an event for fd %d (file %u) that "
			     "is not registered", fd, id);
		/* EPOLLERR alone for a map whose consumer is refused. */
		if (bad ? evs[i].events != EPOLLERR :
		    evs[i].events & ~(EPOLLIN | EPOLLRDNORM))
			fail("epoll_wait: fd %d events %#x%s", fd,
			     evs[i].events, bad ? ", expected EPOLLERR (a "
			     "ring's consumer behind its tail)" : "");
	}
}

/*
 * A throw-away instance with one file, or the run's instance: it keeps
 * files registered across dup, close and fork, and must forget a file
 * once it is released.
 */
static void op_epoll(void)
{
	struct pick p = pick_fd(80);
	struct epoll_event ev = { 0 };
	unsigned int id = p.o ? p.o->id : 0;
	int epfd, r, err, want, action = rnd(4);

	ev.events = EPOLLIN;
	if (chance(300))
		ev.events |= EPOLLET;
	if (chance(200))
		ev.events |= EPOLLONESHOT;
	if (chance(200))
		ev.events |= EPOLLOUT | EPOLLRDNORM;
	ev.data.u64 = (uint64_t)id << 32 | (uint32_t)p.fd;

	if (action == 0) {
		epfd = CALL(epoll_create1(EPOLL_CLOEXEC));
		if (epfd < 0)
			fail("epoll_create1 = %s", err_name(errno));
		r = CALL(epoll_ctl(epfd, EPOLL_CTL_ADD, p.fd, &ev));
		err = r ? errno : 0;
		want = usable(p.o) ? 0 : EBADF;
		note("epoll_ctl(new, ADD, %d) = %s", p.fd, err_name(err));
		if (err != want)
			fail("epoll_ctl(ADD, %d) = %s, expected %s", p.fd,
			     err_name(err), err_name(want));
		/* ep_insert() polls the file once. */
		if (!err)
			set_started(p.o, ST_YES);
		ep_wait(epfd, false, p.fd);
		CALL(close(epfd));
		return;
	}
	if (ep_fd < 0) {
		ep_fd = CALL(epoll_create1(EPOLL_CLOEXEC));
		if (ep_fd < 0)
			fail("epoll_create1 = %s", err_name(errno));
	}
	if (action == 1) {
		ep_wait(ep_fd, true, -1);
		return;
	}
	if (action == 2) {
		r = CALL(epoll_ctl(ep_fd, EPOLL_CTL_ADD, p.fd, &ev));
		err = r ? errno : 0;
		want = !usable(p.o) ? EBADF : ep_find(p.fd, id) >= 0 ? EEXIST : 0;
		if (!want && ep_n == MAX_EP) {
			/* Keep the model bounded: take it out again. */
			want = -1;
		}
		note("epoll_ctl(ADD, %d) = %s", p.fd, err_name(err));
		if (err != (want < 0 ? 0 : want))
			fail("epoll_ctl(ADD, %d) = %s, expected %s", p.fd,
			     err_name(err), err_name(want < 0 ? 0 : want));
		if (!err)
			set_started(p.o, ST_YES);
		if (want == 0) {
			ep_items[ep_n].fd = p.fd;
			ep_items[ep_n].ofd_id = id;
			ep_n++;
		} else if (want < 0) {
			CALL(epoll_ctl(ep_fd, EPOLL_CTL_DEL, p.fd, NULL));
		}
		return;
	}
	r = CALL(epoll_ctl(ep_fd, EPOLL_CTL_DEL, p.fd, NULL));
	err = r ? errno : 0;
	want = !usable(p.o) ? EBADF : ep_find(p.fd, id) < 0 ? ENOENT : 0;
	note("epoll_ctl(DEL, %d) = %s", p.fd, err_name(err));
	if (err != want)
		fail("epoll_ctl(DEL, %d) = %s, expected %s", p.fd,
		     err_name(err), err_name(want));
	if (!err) {
		int i = ep_find(p.fd, id);

		ep_items[i] = ep_items[--ep_n];
	}
}

/* --- ops: ioctl, fcntl --------------------------------------------------------- */

/* Commands the VFS answers itself (do_vfs_ioctl()): not the driver's. */
static bool vfs_cmd(unsigned int cmd)
{
	static const unsigned int cmds[] = {
		FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIFREEZE,
		FITHAW, FS_IOC_FIEMAP, FIGETBSZ, FICLONE, FICLONERANGE,
		FIDEDUPERANGE, FIONREAD, FS_IOC_GETFLAGS, FS_IOC_SETFLAGS,
		FS_IOC_FSGETXATTR, FS_IOC_FSSETXATTR,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmd == cmds[i])
			return true;
	return false;
}

/* The session ioctls have ops of their own, with their own answers. */
static bool session_cmd(unsigned int cmd)
{
	return cmd == TCPSTATE_IOC_SET_FILTER ||
	       cmd == TCPSTATE_IOC_GET_FILTER ||
	       cmd == TCPSTATE_IOC_SET_BUFFER ||
	       cmd == TCPSTATE_IOC_SESSION || cmd == TCPSTATE_IOC_SESSIONS;
}

static unsigned int pick_any_cmd(void)
{
	unsigned int cmd;

	switch (rnd(12)) {
	case 0: case 1: case 2: case 3: case 4:
		return TCPSTATE_IOC_INFO;
	case 5:	/* INFO's number with another direction or size */
		switch (rnd(4)) {
		case 0: return _IOW(TCPSTATE_IOC_MAGIC, 1, struct tcpstate_info);
		case 1: return _IO(TCPSTATE_IOC_MAGIC, 1);
		case 2: return _IOR(TCPSTATE_IOC_MAGIC, 1, uint64_t);
		default: return _IOWR(TCPSTATE_IOC_MAGIC, 1, struct tcpstate_info);
		}
	case 6:	/* our magic, other numbers */
		return _IOC(rnd(4), TCPSTATE_IOC_MAGIC, rnd(256), rnd(1 << 14));
	case 7:
		return TCPSTATE_IOC_INFO ^ (1u << rnd(32));
	default:
		do {
			cmd = rnd(2) ? (unsigned int)rnd64() :
			      _IOC(rnd(4), rnd(256), rnd(256), rnd(1 << 14));
		} while (vfs_cmd(cmd) || cmd == TCPSTATE_IOC_INFO);
		return cmd;
	}
}

static unsigned int pick_cmd(void)
{
	unsigned int cmd;

	do
		cmd = pick_any_cmd();
	while (session_cmd(cmd));
	return cmd;
}

/* INFO's nr_records is the session's buffer (SET_BUFFER). */
static void check_info(const struct ofd *o, const struct tcpstate_info *in)
{
	if (in->version != TCPSTATE_ABI_VERSION || in->rec_size != REC ||
	    in->nr_records != o->nr_records || in->hook != mod.hook ||
	    in->netns || in->groups != (1U << TCPSTATE_NR_GROUPS) - 1 ||
	    in->nr_rings != nr_rings || in->__pad0 ||
	    !all_zero(in->__reserved, sizeof(in->__reserved)))
		fail("TCPSTATE_IOC_INFO: version %u rec_size %u nr_records %u "
		     "hook %u netns %u groups %#x nr_rings %u, expected %u %zu "
		     "%u %u 0 %#x (every group armed) %u (CPU ids), zero "
		     "padding", in->version, in->rec_size, in->nr_records,
		     in->hook, in->netns, in->groups, in->nr_rings,
		     TCPSTATE_ABI_VERSION, REC, o->nr_records, mod.hook,
		     (1U << TCPSTATE_NR_GROUPS) - 1, nr_rings);
}

static void op_ioctl(void)
{
	struct pick p = pick_fd(60);
	unsigned int cmd = pick_cmd();
	size_t sz = sizeof(struct tcpstate_info);
	struct ubuf b;
	int r, err, want;
	unsigned long arg;

	if (rnd(6)) {
		b = pick_buf(sz, 350);
	} else {
		/* A random number, as userspace may pass anything. */
		b.kind = B_UNMAPPED;
		b.p = (char *)(uintptr_t)rnd64();
		b.writable = 0;
		if ((uintptr_t)b.p >= (uintptr_t)valid &&
		    (uintptr_t)b.p < (uintptr_t)valid + VALID_SIZE + PAGE)
			b.p = NULL;
	}
	if (b.kind == B_UNMAPPED && b.p >= hole && b.p < hole + PAGE)
		check_hole();
	arg = (unsigned long)b.p;
	if (b.kind == B_VALID || b.kind == B_MISALIGNED)
		memset(b.p, 0xa5, sz);
	r = CALL(ioctl(p.fd, cmd, arg));
	err = r < 0 ? errno : 0;
	if (!usable(p.o))
		want = EBADF;
	else if (cmd != TCPSTATE_IOC_INFO)
		want = ENOTTY;
	else if (b.writable < sz)
		want = EFAULT;
	else
		want = 0;
	note("ioctl(%d, %#x, %s %p) = %d %s", p.fd, cmd, buf_names[b.kind],
	     (void *)b.p, r, err_name(err));
	if (err != want || (!err && r))
		fail("ioctl(%d, %#x, %s pointer %p) = %d %s, expected %s", p.fd,
		     cmd, buf_names[b.kind], (void *)b.p, r, err_name(err),
		     err_name(want));
	if (!err) {
		struct tcpstate_info in;

		memcpy(&in, b.p, sz);
		check_info(p.o, &in);
	}
}

/* --- ops: the session ioctls ----------------------------------------------- */

/* Can the kernel read @len bytes at @b (copy_from_user(), get_user())? */
static bool buf_readable(const struct ubuf *b, size_t len)
{
	switch (b->kind) {
	case B_VALID:
	case B_MISALIGNED:
	case B_RO:
		return true;
	case B_PARTIAL:
		return b->writable >= len;
	default:
		return false;
	}
}

static void gen_prefix(struct tcpstate_prefix *p)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned int j;

	memset(p, 0, sizeof(*p));
	switch (rnd(6)) {
	case 0:	/* 127.0.0.1, or 127/8, as IPv4-mapped */
		memcpy(p->addr, mapped, 12);
		p->addr[12] = 127;
		p->addr[15] = 1;
		p->bits = 128;
		if (rnd(2)) {
			p->addr[15] = 0;
			p->bits = 104;
		}
		break;
	case 1:	/* ::1 */
		p->addr[15] = 1;
		p->bits = 128;
		break;
	case 2:	/* everything */
		break;
	case 3:	/* 10/8: nothing of ours */
		memcpy(p->addr, mapped, 12);
		p->addr[12] = 10;
		p->bits = 104;
		break;
	default: /* anything, bits past the length cleared */
		for (j = 0; j < 16; j++)
			p->addr[j] = rnd(256);
		p->bits = rnd(129);
		for (j = p->bits; j < 128; j++)
			p->addr[j / 8] &= ~(0x80 >> (j % 8));
		break;
	}
}

/* A well formed filter, often one that lets some of the traffic through. */
static void gen_filter(struct tcpstate_filter *f)
{
	static const uint32_t kinds[] = {
		TCPSTATE_KINDS_ALL, TCPSTATE_KIND_STATES,
		TCPSTATE_KIND_STATES | TCPSTATE_KIND_CONTROL,
		TCPSTATE_KIND_CONTROL | TCPSTATE_KIND_SEGMENTS,
		TCPSTATE_KIND_REQUESTS | TCPSTATE_KIND_TIMEWAIT,
		TCPSTATE_KIND_SEGMENTS,
	};
	static const uint16_t edge[] = { 1, 80, 443, 65535 };
	unsigned int i, port;

	memset(f, 0, sizeof(*f));
	f->kinds = rnd(3) ? kinds[rnd(ARRAY_SIZE(kinds))] :
		   rnd_range(1, TCPSTATE_KINDS_ALL);
	switch (rnd(4)) {
	case 0:
		f->family = AF_INET;
		break;
	case 1:
		f->family = AF_INET6;
		break;
	}
	if (chance(400)) {
		f->nr_ports = rnd(5) ? rnd_range(1, 3) :
			      rnd_range(4, TCPSTATE_FILTER_PORTS);
		for (i = 0; i < f->nr_ports; i++) {
			port = rnd(2) ? sh->listen_port[rnd(2)] :
			       rnd(3) ? edge[rnd(4)] : rnd_range(1, 65535);
			f->ports[i] = port ? port : 80;
		}
	}
	if (chance(250)) {
		f->nr_addrs = rnd(4) ? rnd_range(1, 2) :
			      rnd_range(3, TCPSTATE_FILTER_ADDRS);
		for (i = 0; i < f->nr_addrs; i++)
			gen_prefix(&f->addrs[i]);
	}
	if (chance(100))
		f->netns = rnd(2) ? my_netns : rnd_range(1, 0xffffffff);
	if (chance(120))
		f->pid = rnd(2) ? (uint32_t)sh->traffic_pid :
			 rnd(2) ? (uint32_t)getpid() : rnd_range(1, 1 << 22);
	if (chance(100))
		snprintf(f->comm, sizeof(f->comm), "%s", rnd(2) ?
			 "fuzz-traffic" : rnd(2) ? my_comm : "x");
}

/* One of the ways tcpstate_filter_invalid() knows, or random bytes. */
static void break_filter(struct tcpstate_filter *f)
{
	struct tcpstate_prefix *p;
	unsigned int k, j;

	switch (rnd(14)) {
	case 0:
		f->kinds = 0;
		break;
	case 1:
		f->kinds |= 0x20u << rnd(27);
		break;
	case 2:
		f->family = rnd(2) ? 1 : rnd(2) ? AF_INET6 + 1 : 0xffff;
		break;
	case 3:
		f->nr_ports = rnd_range(TCPSTATE_FILTER_PORTS + 1, 255);
		break;
	case 4:
		if (!f->nr_ports)
			f->nr_ports = 1;
		f->ports[rnd(f->nr_ports)] = 0;
		break;
	case 5:
		if (f->nr_ports < TCPSTATE_FILTER_PORTS)
			f->ports[rnd_range(f->nr_ports,
					   TCPSTATE_FILTER_PORTS - 1)] =
				rnd_range(1, 65535);
		break;
	case 6:
		f->nr_addrs = rnd_range(TCPSTATE_FILTER_ADDRS + 1, 255);
		break;
	case 7:
		if (!f->nr_addrs)
			f->nr_addrs = 1;
		f->addrs[rnd(f->nr_addrs)].bits = rnd_range(129, 255);
		break;
	case 8:
		f->addrs[rnd(TCPSTATE_FILTER_ADDRS)].__pad0[rnd(3)] = 1 + rnd(255);
		break;
	case 9:
		if (!f->nr_addrs)
			f->nr_addrs = 1;
		p = &f->addrs[rnd(f->nr_addrs)];
		if (p->bits > 127)
			p->bits = rnd(128);
		j = rnd_range(p->bits, 127);
		p->addr[j / 8] |= 0x80 >> (j % 8);
		break;
	case 10:
		if (f->nr_addrs < TCPSTATE_FILTER_ADDRS) {
			k = rnd_range(f->nr_addrs, TCPSTATE_FILTER_ADDRS - 1);
			if (rnd(2))
				f->addrs[k].addr[rnd(16)] = 1 + rnd(255);
			else
				f->addrs[k].bits = 1 + rnd(128);
		}
		break;
	case 11:
		memset(f->comm, 'a' + rnd(26), sizeof(f->comm));
		break;
	case 12:
		f->__reserved[rnd(2)] = rnd64() | 1;
		break;
	default:
		for (k = 0; k < sizeof(*f); k++)
			((unsigned char *)f)[k] = rnd(256);
		break;
	}
}

/* GET_FILTER into good memory: the session's filter, exactly. */
static void check_get_filter(const struct pick *p, const char *after)
{
	struct tcpstate_filter got, want;

	memset(&got, 0xa5, sizeof(got));
	if (CALL(ioctl(p->fd, TCPSTATE_IOC_GET_FILTER, &got)))
		fail("ioctl(%d, GET_FILTER) %s = %s", p->fd, after,
		     err_name(errno));
	filter_now(p->o, &want);
	if (memcmp(&got, &want, sizeof(got)))
		fail("GET_FILTER on fd %d %s: kinds %#x family %u ports %u "
		     "addrs %u netns %u pid %u, expected %s: kinds %#x family "
		     "%u ports %u addrs %u netns %u pid %u", p->fd, after,
		     got.kinds, got.family, got.nr_ports, got.nr_addrs,
		     got.netns, got.pid, p->o->nown ? "its own" : "the default",
		     want.kinds, want.family, want.nr_ports, want.nr_addrs,
		     want.netns, want.pid);
}

/*
 * SET_FILTER: a well formed filter replaces the session's (it stops
 * following the default); any malformation is EINVAL and changes
 * nothing; the module and the tool judge by the same function.
 */
static void op_set_filter(void)
{
	struct pick p = pick_fd(60);
	struct tcpstate_filter f;
	bool broken = chance(350);
	const char *why;
	struct ubuf b;
	uint64_t t1;
	int r, err, want;

	gen_filter(&f);
	if (broken)
		break_filter(&f);
	b = pick_buf(sizeof(f), 120);
	if (b.kind == B_VALID || b.kind == B_MISALIGNED)
		memcpy(b.p, &f, sizeof(f));
	else if (b.kind == B_RO)
		memcpy(&f, b.p, sizeof(f));
	why = tcpstate_filter_invalid(&f);
	if (!usable(p.o))
		want = EBADF;
	else if (!buf_readable(&b, sizeof(f)))
		want = EFAULT;
	else
		want = why ? EINVAL : 0;
	r = CALL(ioctl(p.fd, TCPSTATE_IOC_SET_FILTER, b.p));
	t1 = now_ns();
	err = r ? errno : 0;
	note("ioctl(%d, SET_FILTER, %s, kinds %#x ports %u addrs %u) = %s "
	     "(expected %s%s%s)", p.fd, buf_names[b.kind], f.kinds,
	     f.nr_ports, f.nr_addrs, err_name(err), err_name(want),
	     why ? ": " : "", why ? why : "");
	if (err != want || (!err && r))
		fail("ioctl(%d, SET_FILTER, %s pointer %p) = %d %s, expected "
		     "%s%s%s", p.fd, buf_names[b.kind], (void *)b.p, r,
		     err_name(err), err_name(want), why ? ": " : "",
		     why ? why : "");
	if (!err)
		own_push(p.o, t1, &f);
	if (usable(p.o) && chance(600))
		check_get_filter(&p, err ? "after a refused SET_FILTER" :
				 "after SET_FILTER");
}

static void op_get_filter(void)
{
	struct pick p = pick_fd(60);
	size_t sz = sizeof(struct tcpstate_filter);
	struct ubuf b = pick_buf(sz, 250);
	struct tcpstate_filter got, want;
	int r, err, w;

	if (b.kind == B_UNMAPPED)
		check_hole();
	r = CALL(ioctl(p.fd, TCPSTATE_IOC_GET_FILTER, b.p));
	err = r ? errno : 0;
	w = !usable(p.o) ? EBADF : b.writable < sz ? EFAULT : 0;
	note("ioctl(%d, GET_FILTER, %s) = %s", p.fd, buf_names[b.kind],
	     err_name(err));
	if (err != w || (!err && r))
		fail("ioctl(%d, GET_FILTER, %s pointer %p) = %d %s, expected "
		     "%s", p.fd, buf_names[b.kind], (void *)b.p, r,
		     err_name(err), err_name(w));
	if (err)
		return;
	memcpy(&got, b.p, sz);
	filter_now(p.o, &want);
	if (memcmp(&got, &want, sz))
		fail("GET_FILTER on fd %d: not the session's filter (%s; "
		     "kinds %#x, expected %#x)", p.fd, p.o->nown ? "its own" :
		     "the default", got.kinds, want.kinds);
}

static uint32_t roundup_pow2(uint32_t n)
{
	uint32_t r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

/*
 * SET_BUFFER: 16..1048576 records a ring (each of nr_rings), rounded up
 * to a power of two, until the session's first read(), poll() or map
 * (EBUSY after); EINVAL outside. The old buffer's records are discarded
 * (counted in the figures).
 */
/*
 * Most files are read or polled soon after open(): to reach the path
 * that replaces a buffer, often take one whose reader has not started.
 */
static struct pick pick_unstarted(void)
{
	struct pick p = { NEVER_FD, -1, NULL };
	int i, n = 0, k;

	for (i = 0; i < MAX_FDS; i++)
		n += fds[i].used && usable(&ofds[fds[i].ofd]) &&
		     sh->ofd_started[fds[i].ofd] == ST_NO;
	if (!n)
		return pick_fd(60);
	k = rnd(n);
	for (i = 0; i < MAX_FDS; i++) {
		if (!fds[i].used || !usable(&ofds[fds[i].ofd]) ||
		    sh->ofd_started[fds[i].ofd] != ST_NO || k--)
			continue;
		p.fd = fds[i].fd;
		p.slot = i;
		p.o = &ofds[fds[i].ofd];
		break;
	}
	return p;
}

static void op_set_buffer(void)
{
	static const uint32_t good[] = { 16, 17, 31, 32, 100, 256, 1000,
					 1024, 4096, 8192 };
	static const uint32_t bad[] = { 0, 1, 15, 1048577, 0x80000000u,
					0xffffffffu };
	static const uint32_t big[] = { 65536, 262144, 1048576 };
	struct pick p = chance(600) ? pick_unstarted() : pick_fd(60);
	struct ubuf b = pick_buf(sizeof(uint32_t), 120);
	uint32_t nr, cap = 0;
	int r, err, want, st;
	bool maybe = false;

	switch (rnd(10)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		nr = good[rnd(ARRAY_SIZE(good))];
		break;
	case 6: case 7:
		nr = bad[rnd(ARRAY_SIZE(bad))];
		break;
	case 8:
		nr = rnd_range(16, 16384);
		break;
	default:
		nr = big[rnd(ARRAY_SIZE(big))];
		/* Within what the VM can hold with the other sessions. */
		if (p.o && !p.o->path &&
		    ring_bytes() - session_bytes(p.o->nr_records) +
		    session_bytes(roundup_pow2(nr)) > RING_BUDGET)
			nr = 4096;
		break;
	}
	if (b.kind == B_VALID || b.kind == B_MISALIGNED)
		memcpy(b.p, &nr, sizeof(nr));
	else if (b.kind == B_RO)
		memcpy(&nr, b.p, sizeof(nr));
	st = usable(p.o) ? sh->ofd_started[p.o - ofds] : ST_NO;
	if (!usable(p.o))
		want = EBADF;
	else if (!buf_readable(&b, sizeof(nr)))
		want = EFAULT;
	else if (nr < 16 || nr > 1048576)
		want = EINVAL;
	else if (st == ST_YES)
		want = EBUSY;
	else
		want = 0;
	maybe = !want && st == ST_MAYBE;
	if (!want)
		cap = roundup_pow2(nr);
	r = CALL(ioctl(p.fd, TCPSTATE_IOC_SET_BUFFER, b.p));
	err = r ? errno : 0;
	note("ioctl(%d, SET_BUFFER, %s, %u) = %s (expected %s%s)", p.fd,
	     buf_names[b.kind], nr, err_name(err), err_name(want),
	     maybe ? " or EBUSY" : "");
	/*
	 * Tens of MiB of vmalloc (nr_rings times the ring) may not be
	 * there: the buffer stays.
	 */
	if (!want && err == ENOMEM && session_bytes(cap) > (16UL << 20))
		return;
	if (maybe && err == EBUSY) {
		set_started(p.o, ST_YES);
		return;
	}
	if (err != want || (!err && r))
		fail("ioctl(%d, SET_BUFFER, %s pointer, %u) = %d %s, expected "
		     "%s (started: %s)", p.fd, buf_names[b.kind], nr, r,
		     err_name(err), err_name(want), st == ST_YES ? "yes" :
		     st == ST_MAYBE ? "maybe" : "no");
	if (err)
		return;
	p.o->nr_records = cap;
	sh->ofd_started[p.o - ofds] = ST_NO;
}

/*
 * A session's LOST records tell of its own losses: events its full
 * buffers dropped (the figures' dropped; each ring's LOST records its
 * own CPU's) and events the probes missed (events_missed, told in the
 * first possible CPU's ring) while it existed; summed over its rings. Never of misses from before it was
 * opened: those were no loss of its. A probe counts a drop in the
 * figures just after the ring took it into its pending LOST count: one
 * such drop per CPU and context may be in a LOST record already read
 * and not yet in dropped, hence the slack.
 */
static void check_lost(const struct ofd *o,
		       const struct tcpstate_session_info *in)
{
	unsigned long lost = sh->ofd_lost[o - ofds];
	unsigned long missed = events_missed() - o->missed0;

	if (lost > in->dropped + missed + 3 * ncpus)
		fail("session %u's LOST records told of %lu events, but it "
		     "dropped %llu and the probes missed %lu since it was "
		     "opened (events_missed %lu then, %lu now)", in->id, lost,
		     (unsigned long long)in->dropped, missed, o->missed0,
		     missed + o->missed0);
}

static void op_session(void)
{
	struct pick p = pick_fd(60);
	size_t sz = sizeof(struct tcpstate_session_info);
	struct ubuf b = pick_buf(sz, 250);
	struct tcpstate_session_info in;
	int r, err, want;

	if (b.kind == B_UNMAPPED)
		check_hole();
	if (b.kind == B_VALID || b.kind == B_MISALIGNED)
		memset(b.p, 0xa5, sz);
	r = CALL(ioctl(p.fd, TCPSTATE_IOC_SESSION, b.p));
	err = r ? errno : 0;
	want = !usable(p.o) ? EBADF : b.writable < sz ? EFAULT : 0;
	note("ioctl(%d, SESSION, %s) = %s", p.fd, buf_names[b.kind],
	     err_name(err));
	if (err != want || (!err && r))
		fail("ioctl(%d, SESSION, %s pointer %p) = %d %s, expected %s",
		     p.fd, buf_names[b.kind], (void *)b.p, r, err_name(err),
		     err_name(want));
	if (err)
		return;
	memcpy(&in, b.p, sz);
	check_figures("SESSION", p.o, &in, true, true);
	p.o->last = in;
	check_lost(p.o, &in);
}

/*
 * SESSIONS: { nr, total, ptr } in and out. Every session of ours (no one
 * else opens the device in the VM), in the order they were opened, at
 * most nr of them copied to ptr; total counts them all; nr = 0 touches
 * nothing at ptr. A fault on ptr or on the request is EFAULT.
 */
static void op_sessions(void)
{
	const size_t isz = sizeof(struct tcpstate_session_info);
	struct pick p = pick_fd(60);
	struct tcpstate_sessions req, *rq;
	struct tcpstate_session_info in;
	int live = live_sessions(), r, err, want, i, j, req_kind;
	uint32_t nr, n, last_id = 0;
	size_t room;
	char *ptr;

	switch (rnd(7)) {
	case 0:
		nr = 0;
		break;
	case 1:
		nr = 1;
		break;
	case 2:
		nr = live ? live - 1 : 0;
		break;
	case 3:
		nr = live;
		break;
	case 4:
		nr = live + rnd_range(1, 5);
		break;
	case 5:
		nr = 0xffffffffu;
		break;
	default:
		nr = rnd(64);
		break;
	}
	n = nr < (uint32_t)live ? nr : (uint32_t)live;
	room = VALID_SIZE / 2 / isz;
	ptr = valid;
	switch (rnd(10)) {
	case 6:
		ptr = NULL;
		room = 0;
		break;
	case 7:
		check_hole();
		ptr = hole + rnd(PAGE);
		room = 0;
		break;
	case 8:	/* room for some entries, then the guard */
		room = rnd(n + 1);
		ptr = guard - room * isz - (rnd(2) ? rnd(isz) : 0);
		break;
	case 9:
		ptr = KERNEL_PTR;
		room = 0;
		break;
	}
	req_kind = rnd(12);
	rq = (void *)(valid + VALID_SIZE / 2);
	if (req_kind == 0)
		rq = NULL;
	else if (req_kind == 1)
		rq = (void *)(ro + rnd(PAGE));	/* reads as nr = 0 */
	else
		*rq = (struct tcpstate_sessions){ nr, 0xa5a5a5a5u,
						  (uintptr_t)ptr };
	if (!usable(p.o))
		want = EBADF;
	else if (req_kind <= 1 || n > room)
		want = EFAULT;
	else
		want = 0;
	r = CALL(ioctl(p.fd, TCPSTATE_IOC_SESSIONS, rq));
	err = r ? errno : 0;
	note("ioctl(%d, SESSIONS, nr %u, room %zu, %d live) = %s", p.fd, nr,
	     room, live, err_name(err));
	if (err != want || (!err && r))
		fail("ioctl(%d, SESSIONS, %s request, nr %u, ptr %p with room "
		     "for %zu) with %d sessions live = %d %s, expected %s",
		     p.fd, req_kind == 0 ? "NULL" : req_kind == 1 ?
		     "read-only" : "good", nr, (void *)ptr, room, live, r,
		     err_name(err), err_name(want));
	if (err)
		return;
	memcpy(&req, rq, sizeof(req));
	if (req.nr != n || req.total != (uint32_t)live ||
	    req.ptr != (uintptr_t)ptr)
		fail("SESSIONS(nr %u): nr %u total %u ptr %#llx, expected nr "
		     "%u total %d ptr %p", nr, req.nr, req.total,
		     (unsigned long long)req.ptr, n, live, (void *)ptr);
	for (i = 0; i < (int)n; i++) {
		memcpy(&in, ptr + i * isz, isz);
		if (in.id <= last_id)
			fail("SESSIONS: entry %d has id %u after id %u: not in "
			     "the order of opening", i, in.id, last_id);
		last_id = in.id;
		for (j = 0; j < MAX_OFDS; j++)
			if (ofds[j].used && !ofds[j].path &&
			    ofds[j].sid == in.id)
				break;
		if (j == MAX_OFDS)
			fail("SESSIONS: entry %d (%s) is no session of ours",
			     i, info_str(&in));
		check_figures("SESSIONS", &ofds[j], &in, &ofds[j] == p.o,
			      true);
		ofds[j].last = in;
	}
}

/*
 * max_sessions (1..1024, kstrtouint() base 0, one newline allowed):
 * another value is EINVAL and changes nothing; sessions open stay.
 * Small limits most of the time, so opens meet the limit.
 */
struct lit {
	const char *s;
	bool ok;
	unsigned int v;
};

static const struct lit maxes[] = {
	{ "1", true, 1 }, { "2", true, 2 }, { "3", true, 3 },
	{ "4", true, 4 }, { "16", true, 16 }, { "1024", true, 1024 },
	{ "0x3", true, 3 }, { "010", true, 8 }, { "+2", true, 2 },
	{ "0", false, 0 }, { "1025", false, 0 }, { "-1", false, 0 },
	{ "x", false, 0 }, { "4294967298", false, 0 }, { "2,3", false, 0 },
};

static void check_max_sessions_text(void)
{
	char got[64], want[32];
	int r = read_file(SYS_PARAMS "max_sessions", got, sizeof(got));

	if (r < 0)
		fail("reading " SYS_PARAMS "max_sessions: %s", err_name(-r));
	snprintf(want, sizeof(want), "%u\n", mod.max_sessions);
	if (strcmp(got, want))
		fail(SYS_PARAMS "max_sessions reads '%s', expected '%s'", got,
		     want);
}

static void max_sessions_write(const char *val, size_t len, bool ok,
			       unsigned int v)
{
	int fd, err, want;
	ssize_t r;

	fd = CALL(open(SYS_PARAMS "max_sessions", O_WRONLY | O_CLOEXEC));
	if (fd < 0) {
		if (errno != ENOENT || mod.loaded)
			fail("open(" SYS_PARAMS "max_sessions) = %s",
			     err_name(errno));
		return;
	}
	if (!mod.loaded)
		fail(SYS_PARAMS "max_sessions exists with the module unloaded");
	want = !len ? 0 : ok ? 0 : EINVAL;
	r = CALL(write(fd, val, len));
	err = r < 0 ? errno : 0;
	CALL(close(fd));
	note("max_sessions <- '%.*s' = %zd %s (expected %s; %d live)",
	     (int)len, val, r, err_name(err), err_name(want),
	     live_sessions());
	if (err != want || (!err && (size_t)r != len))
		fail("write(" SYS_PARAMS "max_sessions, '%.*s') = %zd %s, "
		     "expected %s", (int)len, val, r, err_name(err),
		     err_name(want));
	if (len && ok)
		mod.max_sessions = v;
}

static void op_max_sessions(void)
{
	char buf[32];
	const struct lit *l;
	size_t len;

	if (rnd(10) < 6)
		l = &maxes[rnd(rnd(3) ? 4 : 5)];	/* 1..4, 16 */
	else
		l = &maxes[rnd(ARRAY_SIZE(maxes))];
	len = snprintf(buf, sizeof(buf), "%s%s", l->s, rnd(2) ? "\n" : "");
	if (chance(30))
		len = 0;
	max_sessions_write(buf, len, l->ok, l->v);
	if (mod.loaded && chance(300))
		check_max_sessions_text();
}

static void op_fcntl(bool in_child)
{
	struct pick p = pick_fd(60);
	int r, err, want, fl, on;
	bool path_ok, good_ptr;

	switch (rnd(in_child ? 2 : 5)) {
	case 0:	/* F_GETFL: the mode and O_NONBLOCK as opened/set */
		r = CALL(fcntl(p.fd, F_GETFL));
		err = r < 0 ? errno : 0;
		note("fcntl(%d, F_GETFL) = %#x %s", p.fd, r, err_name(err));
		if (err != (p.o ? 0 : EBADF))
			fail("fcntl(%d, F_GETFL) = %s", p.fd, err_name(err));
		if (!p.o)
			return;
		if (p.o->path ? !(r & O_PATH) :
		    (r & O_ACCMODE) != p.o->acc ||
		    !!(r & O_NONBLOCK) != p.o->nonblock)
			fail("fcntl(%d, F_GETFL) = %#x, expected mode %d "
			     "nonblock %d path %d", p.fd, r, p.o->acc,
			     p.o->nonblock, p.o->path);
		return;
	case 1:	/* F_GETFD */
		if (p.o)
			check_cloexec(p.fd, fds[p.slot].cloexec);
		return;
	case 2:	/* F_SETFL: O_NONBLOCK on or off, other flags with it */
		fl = rnd(2) ? O_NONBLOCK : 0;
		if (chance(200))
			fl |= O_APPEND;
		if (chance(200))
			fl |= O_ASYNC;
		if (chance(100))
			fl |= O_DIRECT;
		r = CALL(fcntl(p.fd, F_SETFL, fl));
		err = r < 0 ? errno : 0;
		want = !usable(p.o) ? EBADF : (fl & O_DIRECT) ? EINVAL : 0;
		note("fcntl(%d, F_SETFL, %#x) = %s", p.fd, fl, err_name(err));
		if (err != want)
			fail("fcntl(%d, F_SETFL, %#x) = %s, expected %s", p.fd,
			     fl, err_name(err), err_name(want));
		if (!err)
			p.o->nonblock = fl & O_NONBLOCK;
		return;
	case 3:	/* F_SETFD, allowed on O_PATH */
		on = rnd(2);
		r = CALL(fcntl(p.fd, F_SETFD, on ? FD_CLOEXEC : 0));
		err = r < 0 ? errno : 0;
		path_ok = p.o;
		if (err != (path_ok ? 0 : EBADF))
			fail("fcntl(%d, F_SETFD) = %s", p.fd, err_name(err));
		if (!err)
			fds[p.slot].cloexec = on;
		return;
	default: /* ioctl(FIONBIO): the VFS's other way to O_NONBLOCK */
		on = rnd(2);
		good_ptr = rnd(10);
		r = CALL(ioctl(p.fd, FIONBIO, good_ptr ? &on : NULL));
		err = r < 0 ? errno : 0;
		want = !usable(p.o) ? EBADF : good_ptr ? 0 : EFAULT;
		note("ioctl(%d, FIONBIO, %d) = %s", p.fd, on, err_name(err));
		if (err != want)
			fail("ioctl(%d, FIONBIO, %s) = %s, expected %s", p.fd,
			     good_ptr ? "&on" : "NULL", err_name(err),
			     err_name(want));
		if (!err)
			p.o->nonblock = on;
		return;
	}
}

/* --- ops: fork, threads ------------------------------------------------------ */

static void child_ops(uint64_t child_seed, int nops)
{
	int i;

	rng_state = child_seed;
	who = "fork child: ";
	/*
	 * The parent keeps its descriptors while the child runs: the
	 * child closing its copies never releases a file.
	 */
	for (i = 0; i < MAX_OFDS; i++)
		if (ofds[i].used)
			ofds[i].refs += MAX_FDS;
	for (i = 0; i < nops; i++) {
		switch (rnd(7)) {
		case 0: case 1:
			op_read(true);
			break;
		case 2:
			op_ioctl();
			break;
		case 3:
			op_poll(true);
			break;
		case 4:
			op_close();
			break;
		case 5:
			op_open(true);
			break;
		default:
			op_fcntl(true);
			break;
		}
	}
}

/*
 * The child gets copies of the descriptors and works on the same files:
 * its reads take records the parent never sees (they count, through
 * sh, to the session they came from), its closes must not release what
 * the parent still holds, and its opens count against max_sessions
 * beside the parent's sessions it inherited.
 */
static void op_fork(void)
{
	uint64_t child_seed = rnd64();
	int nops = rnd_range(1, 8), status;
	pid_t pid;

	fflush(stdout);
	pid = CALL(fork());
	if (pid < 0)
		fail("fork = %s", err_name(errno));
	if (!pid) {
		child_ops(child_seed, nops);
		_exit(0);
	}
	if (CALL(waitpid(pid, &status, 0)) != pid)
		fail("waitpid = %s", err_name(errno));
	note("child %d did %d ops, status %#x", pid, nops, status);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the fork child (%d ops) ended with status %#x", nops,
		     status);
}

#define MAX_THREADS	4
#define MAX_TACTS	4

enum { TA_READ, TA_IOCTL, TA_POLL, TA_SESSION };

struct tjob {
	pthread_t th;
	int fd;
	int nact;
	int kind[MAX_TACTS];
	size_t len[MAX_TACTS];
	char *buf[MAX_TACTS];
	long ret[MAX_TACTS];
	int err[MAX_TACTS];
	short rev[MAX_TACTS];
	int done;
};

static int thr_stop;

static void *thread_main(void *arg)
{
	struct tjob *j = arg;
	struct pollfd pfd;
	sigset_t set;
	int i;

	/* The timer's SIGALRM is the main thread's; SIGUSR1 is ours. */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < j->nact; i++) {
		j->err[i] = 0;
		j->ret[i] = -2;	/* not done: the stop came first */
		if (__atomic_load_n(&thr_stop, __ATOMIC_ACQUIRE) &&
		    j->kind[i] == TA_READ)
			continue;
		switch (j->kind[i]) {
		case TA_READ:
			j->ret[i] = CALL(read(j->fd, j->buf[i], j->len[i]));
			break;
		case TA_IOCTL:
			j->ret[i] = CALL(ioctl(j->fd, TCPSTATE_IOC_INFO,
					       j->buf[i]));
			break;
		case TA_SESSION:
			j->ret[i] = CALL(ioctl(j->fd, TCPSTATE_IOC_SESSION,
					       j->buf[i]));
			break;
		default:
			pfd.fd = j->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			j->ret[i] = CALL(poll(&pfd, 1, 5));
			j->rev[i] = pfd.revents;
			break;
		}
		if (j->ret[i] < 0 && j->ret[i] != -2)
			j->err[i] = errno;
	}
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Several threads on one file at once: concurrent reads must still
 * hand out each record once, whole, and the counters must add up.
 */
static void op_threads(void)
{
	struct tjob jobs[MAX_THREADS];
	struct pick p = pick_fd(0);
	int n = rnd_range(2, MAX_THREADS), i, k, left, rounds;
	unsigned int wait_ms = rnd_range(2, 30);

	if (!p.o || !usable(p.o)) {
		note("no usable file, skipped");
		return;
	}
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < n; i++) {
		jobs[i].fd = p.fd;
		jobs[i].nact = rnd_range(1, MAX_TACTS);
		for (k = 0; k < jobs[i].nact; k++) {
			jobs[i].kind[k] = rnd(5) < 3 ? TA_READ : rnd(2) ?
					  (rnd(2) ? TA_IOCTL : TA_SESSION) :
					  TA_POLL;
			/* Any poll starts the session (no SET_BUFFER). */
			if (jobs[i].kind[k] == TA_POLL)
				set_started(p.o, ST_YES);
			jobs[i].len[k] = rnd(8) ? rnd_range(1, 64) * REC :
					 rnd_range(1, 64 * 1024);
			jobs[i].buf[k] = tbuf + (i * MAX_TACTS + k) * 65536;
		}
	}
	__atomic_store_n(&thr_stop, 0, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		if (CALL(pthread_create(&jobs[i].th, NULL, thread_main,
					&jobs[i])))
			fail("pthread_create failed");
	sleep_us(wait_ms * 1000);
	__atomic_store_n(&thr_stop, 1, __ATOMIC_RELEASE);
	/* Blocking reads sleep in the device: interrupt them until done. */
	for (rounds = 0;; rounds++) {
		left = 0;
		for (i = 0; i < n; i++) {
			if (__atomic_load_n(&jobs[i].done, __ATOMIC_ACQUIRE))
				continue;
			left++;
			pthread_kill(jobs[i].th, SIGUSR1);
		}
		if (!left)
			break;
		if (rounds > 5000)
			fail("%d threads still in the device after 10 s "
			     "of signals", left);
		sleep_us(2000);
	}
	for (i = 0; i < n; i++)
		pthread_join(jobs[i].th, NULL);

	note("%d threads on fd %d", n, p.fd);
	for (i = 0; i < n; i++) {
		for (k = 0; k < jobs[i].nact; k++) {
			struct tjob *j = &jobs[i];
			struct ubuf b = { B_VALID, j->buf[k], j->len[k] };

			if (j->ret[k] == -2)
				continue;
			switch (j->kind[k]) {
			case TA_READ:
				check_read(p.fd, p.o, &b, j->len[k], j->ret[k],
					   j->err[k]);
				break;
			case TA_IOCTL:
				if (j->ret[k])
					fail("thread ioctl(INFO) = %s",
					     err_name(j->err[k]));
				check_info(p.o, (const void *)j->buf[k]);
				break;
			case TA_SESSION:
				/* Reads ran beside it: read is not exact. */
				if (j->ret[k])
					fail("thread ioctl(SESSION) = %s",
					     err_name(j->err[k]));
				check_figures("thread SESSION", p.o,
					      (const void *)j->buf[k], true,
					      false);
				break;
			default:
				/* The stop signal may come while it waits. */
				if ((j->ret[k] < 0 && j->err[k] != EINTR) ||
				    (j->ret[k] > 0 && j->rev[k] !=
				     (p.o->consumer_bad ? POLLERR : POLLIN)) ||
				    (!j->ret[k] && p.o->consumer_bad))
					fail("thread poll = %ld %s revents %#x",
					     j->ret[k], err_name(j->err[k]),
					     j->rev[k]);
				break;
			}
		}
	}
}

/* A read() asleep in the device, from another thread. */
struct inflight {
	pthread_t th;
	int fd;
	size_t len;
	pid_t tid;
	long ret;
	int err;
	int done;
};

static void *inflight_main(void *arg)
{
	struct inflight *f = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	__atomic_store_n(&f->tid, gettid(), __ATOMIC_RELEASE);
	f->ret = CALL(read(f->fd, tbuf, f->len));
	f->err = f->ret < 0 ? errno : 0;
	__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Is the thread asleep in read() (x86-64 syscall 0)? It makes one read
 * only: still in it after a check means it was in it during the check.
 * "In read()" is not "in the device's read": the read that ends after
 * the file's last close puts the file on its way out of the system
 * call, and the release (tcpstate_release(), asleep in synchronize_rcu()
 * after its session left the count) runs there, still in syscall 0.
 */
static bool in_read(pid_t tid)
{
	char path[64], text[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	return read_file(path, text, sizeof(text)) > 0 &&
	       !strncmp(text, "0 ", 2);
}

/*
 * Asleep in the device's read() itself, waiting for records (its wait
 * channel): the read's reference holds the file, so no release can have
 * begun. A read asleep anywhere else (the release above, a page fault)
 * says nothing either way.
 */
static bool in_device_read(pid_t tid)
{
	char path[64], text[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	return in_read(tid) && read_file(path, text, sizeof(text)) > 0 &&
	       !strcmp(text, "tcpstate_read");
}

/* A connect nothing answers: a SYN and a RST, records to wake a reader. */
static void refused_connect(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(1),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int c = CALL(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));

	if (c < 0)
		fail("socket = %s", err_name(errno));
	CALL(connect(c, (void *)&sin, sizeof(sin)));
	CALL(close(c));
}

static void stop_thread(pthread_t th, int *done)
{
	int rounds;

	for (rounds = 0; !__atomic_load_n(done, __ATOMIC_ACQUIRE); rounds++) {
		if (rounds > 5000)
			fail("a thread still in the device after 10 s of "
			     "signals");
		pthread_kill(th, SIGUSR1);
		sleep_us(2000);
	}
	pthread_join(th, NULL);
}

/*
 * Close every descriptor of a file while another thread sleeps in its
 * read(): the file lives on until the read returns, and with it the
 * module reference and its session (README: "code a blocked read()
 * sleeps in cannot vanish"), so refcnt still counts it and it still
 * counts against max_sessions: an open gets EBUSY if that makes the
 * limit, else a session of its own. If the thread is not seen asleep in
 * time (records came), only the closes happen: the model ends the same
 * either way.
 *
 * Half the time a refused connect right after the closes wakes the
 * read, so the file's release races the open: that is only checked
 * when the thread is still asleep in the device's read() after the
 * open (in_device_read()). Seen in read() but elsewhere, its session
 * may already be gone, and the open may rightly succeed.
 */
static void op_inflight(void)
{
	struct inflight f = { 0 };
	struct pick p = pick_fd(0);
	struct ubuf b = { B_VALID, tbuf, 0 };
	char text[64];
	int i, ofd, fd, err, tries, refs, want_refs, want;
	bool asleep = false;

	f.len = rnd_range(1, 512) * REC;
	if (!p.o || !readable(p.o) || p.o->nonblock) {
		note("no blocking readable file, skipped");
		return;
	}
	ofd = fds[p.slot].ofd;
	f.fd = p.fd;
	/* The read's own reference, put when it is over. */
	ofds[ofd].refs++;
	if (CALL(pthread_create(&f.th, NULL, inflight_main, &f)))
		fail("pthread_create failed");
	for (tries = 0; tries < 100 && !asleep; tries++) {
		pid_t tid = __atomic_load_n(&f.tid, __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&f.done, __ATOMIC_ACQUIRE))
			break;
		asleep = tid && in_read(tid);
		if (!asleep)
			sleep_us(1000);
	}
	if (!asleep)
		stop_thread(f.th, &f.done);
	for (i = 0; i < MAX_FDS; i++) {
		if (!fds[i].used || fds[i].ofd != ofd)
			continue;
		if (CALL(close(fds[i].fd)))
			fail("close(%d) = %s", fds[i].fd, err_name(errno));
		drop_fd(i);
	}
	note("read(%d) %s; its descriptors closed", p.fd,
	     asleep ? "asleep in the device" : "over before");
	if (asleep && rnd(2)) {
		char lim[16];
		int live = live_sessions();

		/* The limit reached: an open now tells a live session. */
		max_sessions_write(lim, snprintf(lim, sizeof(lim), "%d", live),
				   true, live);
		/* Its records may be filtered out: then it sleeps on. */
		refused_connect();
		for (tries = 0; tries < 200 && in_device_read(f.tid); tries++)
			sleep_us(500);
	}
	if (asleep) {
		add(&sh->inflight_asleep, 1);
		/* The model still holds the file: the read's reference. */
		want_refs = dev_files();
		want = live_sessions() >= (int)mod.max_sessions ? EBUSY : 0;
		refs = read_file(SYS_MOD "/refcnt", text, sizeof(text)) > 0 ?
		       atoi(text) : -1;
		fd = -1;
		err = 0;
		if (!want && ring_bytes() + session_bytes(mod.nr_records) >
			     RING_BUDGET) {
			note("%lu bytes of rings held, no open", ring_bytes());
			want = -1;
		} else {
			fd = CALL(open(DEV_PATH, O_RDONLY | O_NONBLOCK |
				       O_CLOEXEC));
			err = fd < 0 ? errno : 0;
		}
		if (fd >= 0)
			CALL(close(fd));
		if (!in_device_read(f.tid))
			add(&sh->inflight_released, 1);
		else if (refs != want_refs || (want >= 0 && err != want))
			fail("all descriptors closed, a read() still asleep in "
			     "the file: refcnt %d (expected %d), open = %s "
			     "(expected %s: %d sessions live, max_sessions %u)",
			     refs, want_refs, err_name(err),
			     want < 0 ? "no open" : err_name(want),
			     live_sessions(), mod.max_sessions);
		if (err == EBUSY)
			add(&sh->busy_opens, 1);
		stop_thread(f.th, &f.done);
	}
	b.writable = f.len;
	check_read(f.fd, &ofds[ofd], &b, f.len, f.ret, f.err);
	put_ofd(ofd);
}

/* --- ops: parameters ------------------------------------------------------------ */

enum { P_PORTS, P_FAMILY, P_SEGMENTS };
static const char *const wparams[] = { "ports", "family", "segments" };

/* The kernel's isspace(): Latin-1's NBSP (0xa0) is one too. */
static bool k_isspace(unsigned char c)
{
	return (c >= 9 && c <= 13) || c == ' ' || c == 0xa0;
}

/* strim(): into @out, without the leading and trailing blanks. */
static void k_strim(const char *in, char *out)
{
	size_t n;

	while (k_isspace(*in))
		in++;
	n = strlen(in);
	while (n && k_isspace(in[n - 1]))
		n--;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* kstrtou16(tok, 10) and the "not 0" rule of filter.c. */
static bool port_ok(const char *tok, uint16_t *port)
{
	unsigned long v = 0;
	const char *s = tok;
	int digits = 0;

	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if (v <= 65535)
			v = v * 10 + (*s - '0');
	if (*s == '\n')
		s++;
	if (!digits || *s || !v || v > 65535)
		return false;
	*port = v;
	return true;
}

/* tcpstate_filter_parse_ports() on an already trimmed value. */
static bool ports_ok(const char *val, struct filt *f)
{
	char buf[256], *cur = buf, *tok, t[256];
	size_t n = strnlen(val, sizeof(buf) - 1);
	uint16_t port;

	/* filter_update() let through less than 128 bytes. */
	memcpy(buf, val, n);
	buf[n] = '\0';
	f->nports = 0;
	if (!*buf)
		return true;
	while ((tok = strsep(&cur, ","))) {
		k_strim(tok, t);
		if (!port_ok(t, &port))
			return false;
		if (f->nports == MAX_PORTS)
			return false;
		f->ports[f->nports++] = port;
	}
	return true;
}

/* sysfs_streq(): equal, but for one trailing newline on either side. */
static bool k_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	if (*a == *b)
		return true;
	if (*a == '\n' && !a[1] && !*b)
		return true;
	if (*b == '\n' && !b[1] && !*a)
		return true;
	return false;
}

/*
 * filter_update(): the value as the module sees it (up to the first
 * NUL), into @f if it is good.
 */
static bool filter_write_ok(int which, const char *raw, struct filt *f)
{
	char val[4200];
	struct filt n = *f;
	int i;

	if (strlen(raw) >= 128)
		return false;
	k_strim(raw, val);
	switch (which) {
	case P_PORTS:
		if (!ports_ok(val, &n))
			return false;
		break;
	default:
		for (i = 0; i < 3; i++)
			if (k_streq(val, which == P_FAMILY ? family_names[i] :
				    segments_names[i]))
				break;
		if (i == 3)
			return false;
		if (which == P_FAMILY)
			n.family = i;
		else
			n.segments = i;
		break;
	}
	*f = n;
	return true;
}

static const char blanks[] = { ' ', '\t', '\n', '\r', '\v', '\f', (char)0xa0 };

static size_t put_blanks(char *out)
{
	size_t n = 0, k = rnd(3) ? 0 : rnd_range(1, 3);

	while (k--)
		out[n++] = blanks[rnd(ARRAY_SIZE(blanks))];
	return n;
}

/* A value for a parameter: good, nearly good, too long, or junk. */
static size_t gen_value(int which, char *out, size_t cap, bool no_blanks)
{
	static const char *const bad_ports[] = {
		"0", "65536", "-1", "99999999999999999999999", "0x50", "80,",
		",80", "80,,443", "1 2", "80;443", "+", "++1", "\xef\xbc\x98",
		"80\n,443", "1e3", "\n\n", " , ",
	};
	static const char *const bad_names[] = {
		"IPV4", "ipv", "ipv44", "all all", "", "ipv4\n\n", "ctrl",
		"Control", "none!", "\xa0", "ipv6,ipv4",
	};
	static const char charset[] = "0123456789,+- \t\nabcipvlnoe\xa0\xff";
	size_t n = 0, i, k, len;
	const char *val;
	bool at_end;

	switch (rnd(no_blanks ? 2 : 5)) {
	case 0:	/* good, dressed in blanks */
		if (!no_blanks)
			n += put_blanks(out + n);
		if (which == P_PORTS) {
			k = rnd(6) ? rnd_range(0, 4) : rnd_range(5, 17);
			for (i = 0; i < k; i++) {
				static const unsigned int edge[] = { 1, 65535,
								     80, 443 };
				unsigned int port = rnd(3) ? edge[rnd(4)] :
						    rnd_range(1, 65535);

				if (i)
					out[n++] = ',';
				if (!no_blanks)
					n += put_blanks(out + n);
				n += snprintf(out + n, cap - n, "%s%s%u",
					      chance(100) ? "+" : "",
					      chance(100) ? "00" : "", port);
				if (!no_blanks)
					n += put_blanks(out + n);
			}
		} else {
			n += snprintf(out + n, cap - n, "%s",
				      which == P_FAMILY ? family_names[rnd(3)] :
				      segments_names[rnd(3)]);
		}
		if (!no_blanks)
			n += put_blanks(out + n);
		break;
	case 1:	/* nearly good */
		if (which == P_PORTS)
			n = snprintf(out, cap, "%s",
				     bad_ports[rnd(ARRAY_SIZE(bad_ports))]);
		else
			n = snprintf(out, cap, "%s",
				     bad_names[rnd(ARRAY_SIZE(bad_names))]);
		if (no_blanks)
			for (i = 0; i < n; i++)
				if (k_isspace(out[i]) || out[i] == '"')
					out[i] = 'x';
		break;
	case 2:	/* the length limits: 127/128 (module), 4096/4097 (sysfs) */
		len = rnd(2) ? 126 + rnd(4) : 4095 + rnd(3);
		val = which == P_PORTS ? "80" : which == P_FAMILY ? "ipv4" :
		      "all";
		k = strlen(val);
		at_end = rnd(2);
		if (at_end)
			for (; n < len - k; n++)
				out[n] = rnd(4) ? ' ' : '\n';
		memcpy(out + n, val, k);
		n += k;
		while (n < len)
			out[n++] = rnd(4) ? ' ' : '\n';
		break;
	case 3:	/* a NUL inside: the module sees what is before it */
		n = snprintf(out, cap, "%s", which == P_PORTS ? "443" : "ipv6");
		out[n++] = '\0';
		for (k = rnd_range(1, 10); k--;)
			out[n++] = charset[rnd(sizeof(charset) - 1)];
		break;
	default: /* junk */
		len = rnd(200);
		for (n = 0; n < len; n++)
			out[n] = rnd(4) ? charset[rnd(sizeof(charset) - 1)] :
				 (char)rnd(256);
		break;
	}
	out[n] = '\0';
	return n;
}

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = CALL(open(path, O_RDONLY | O_CLOEXEC));
	ssize_t r, n = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)n < cap - 1 &&
	       (r = CALL(read(fd, buf + n, cap - 1 - n))) > 0)
		n += r;
	CALL(close(fd));
	buf[n] = '\0';
	return n;
}

/* What reading the parameter back must show. */
static void param_text(int which, const struct filt *f, char *out, size_t cap)
{
	size_t n = 0;
	int i;

	switch (which) {
	case P_PORTS:
		for (i = 0; i < f->nports; i++)
			n += snprintf(out + n, cap - n, "%s%u", i ? "," : "",
				      f->ports[i]);
		snprintf(out + n, cap - n, "\n");
		break;
	case P_FAMILY:
		snprintf(out, cap, "%s\n", family_names[f->family]);
		break;
	default:
		snprintf(out, cap, "%s\n", segments_names[f->segments]);
		break;
	}
}

static void check_param_text(int which)
{
	char path[128], got[4200], want[160];
	int r;

	snprintf(path, sizeof(path), SYS_PARAMS "%s", wparams[which]);
	r = read_file(path, got, sizeof(got));
	if (r < 0)
		fail("reading %s: %s", path, err_name(-r));
	param_text(which, &mod.filt, want, sizeof(want));
	if (strcmp(got, want))
		fail("%s reads '%s', expected '%s'", path, got, want);
}

/* One write() of @len bytes at @buf to a writable parameter. */
static void param_write(int which, const char *buf, size_t len)
{
	char path[128], str[4200];
	struct filt f = mod.filt;
	size_t eff;
	uint64_t t1;
	ssize_t r;
	int fd, err, want;
	bool ok = false;

	snprintf(path, sizeof(path), SYS_PARAMS "%s", wparams[which]);
	fd = CALL(open(path, O_WRONLY | O_CLOEXEC));
	if (fd < 0) {
		if (errno != ENOENT || mod.loaded)
			fail("open(%s, O_WRONLY) = %s", path, err_name(errno));
		return;
	}
	if (!mod.loaded)
		fail("%s exists with the module unloaded", path);
	/*
	 * kernfs hands the store at most a page (a longer write is short),
	 * NUL-terminated: the module sees up to the first NUL.
	 */
	eff = len < PAGE ? len : PAGE;
	if (buf) {
		memcpy(str, buf, eff);
		str[eff] = '\0';
	}
	if (!len)
		want = 0;	/* sysfs stores nothing */
	else if (!buf)
		want = EFAULT;
	else if (filter_write_ok(which, str, &f))
		want = 0;
	else
		want = EINVAL;
	ok = buf && len && !want;
	r = CALL(write(fd, buf, len));
	t1 = now_ns();
	err = r < 0 ? errno : 0;
	CALL(close(fd));
	note("%s <- %zu bytes = %zd %s (expected %s)", wparams[which], len, r,
	     err_name(err), err_name(want));
	if (err != want || (!err && (size_t)r != eff)) {
		char shown[80];
		size_t i, n = 0;

		for (i = 0; buf && i < len && n < sizeof(shown) - 5; i++)
			n += snprintf(shown + n, sizeof(shown) - n,
				      (unsigned char)buf[i] >= ' ' &&
				      (unsigned char)buf[i] < 127 ? "%c" :
				      "\\x%02x", (unsigned char)buf[i]);
		fail("write(%s, '%s'%s, %zu) = %zd %s, expected %s", path,
		     buf ? shown : "(NULL)", i < len ? "..." : "", len, r,
		     err_name(err), err_name(want));
	}
	if (ok) {
		mod.filt = f;
		hist_push(t1, &f);
	}
}

static void restore_params(void)
{
	char v[160];
	int which;

	for (which = 0; which < 3; which++) {
		param_text(which, &orig_filt, v, sizeof(v));
		param_write(which, v, strlen(v));
	}
}

static void op_param(void)
{
	static char buf[4200];
	int which = rnd(3);
	size_t len = gen_value(which, buf, sizeof(buf) - 1, false);

	switch (rnd(30)) {
	case 0:
		param_write(which, NULL, rnd_range(1, 16));
		break;
	case 1:
		param_write(which, buf, 0);
		break;
	default:
		param_write(which, buf, len);
		break;
	}
	if (mod.loaded && chance(300))
		check_param_text(which);
	if (mod.loaded && chance(250))
		restore_params();
}

/* hook, nr_records, wakeup_ms: 0444, write refused at open; read back. */
static void op_param_ro(void)
{
	static const char *const ro_params[] = { "hook", "nr_records",
						 "wakeup_ms" };
	int which = rnd(3), fd, err, r;
	char path[128], got[128], want[64];

	snprintf(path, sizeof(path), SYS_PARAMS "%s", ro_params[which]);
	fd = CALL(open(path, O_WRONLY | O_CLOEXEC));
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		CALL(close(fd));
	if (err != (mod.loaded ? EACCES : ENOENT))
		fail("open(%s, O_WRONLY) = %s, expected %s", path,
		     err_name(err), mod.loaded ? "EACCES" : "ENOENT");
	if (!mod.loaded)
		return;
	r = read_file(path, got, sizeof(got));
	if (r < 0)
		fail("reading %s: %s", path, err_name(-r));
	if (which == 0)
		snprintf(want, sizeof(want), "%s\n", mod.hook ==
			 TCPSTATE_HOOK_KPROBE ? "kprobe" : "tracepoint");
	else
		snprintf(want, sizeof(want), "%u\n", which == 1 ?
			 mod.nr_records : mod.wakeup_ms);
	if (strcmp(got, want))
		fail("%s reads '%s', expected '%s'", path, got, want);
}

/* --- ops: counters, rmmod, insmod -------------------------------------------- */

static bool proc_value(const char *text, const char *name, unsigned long *v)
{
	size_t n = strlen(name);
	const char *p = text;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ' ') {
			*v = strtoul(p + n + 1, NULL, 10);
			return true;
		}
	}
	return false;
}

/*
 * Only we read the device: the module's events_read must be what our
 * reads got, and its reference count the files we hold on it.
 */
static void op_counters(void)
{
	static char text[65536];
	unsigned long v, want;
	int r;

	r = read_file(SYS_MOD "/refcnt", text, sizeof(text));
	if (!mod.loaded) {
		if (r != -ENOENT)
			fail(SYS_MOD "/refcnt with the module unloaded: %d", r);
		r = read_file(PROC_PATH, text, sizeof(text));
		if (r != -ENOENT)
			fail(PROC_PATH " with the module unloaded: %d", r);
		return;
	}
	if (r < 0)
		fail("reading " SYS_MOD "/refcnt: %s", err_name(-r));
	v = strtoul(text, NULL, 10);
	if (v != (unsigned long)dev_files())
		fail("refcnt %lu, but %d files hold the device", v, dev_files());
	r = read_file(PROC_PATH, text, sizeof(text));
	if (r < 0)
		fail("reading " PROC_PATH ": %s", err_name(-r));
	if (!proc_value(text, "events_read", &v))
		fail(PROC_PATH " has no events_read");
	want = mod.read_base + __atomic_load_n(&sh->records, __ATOMIC_RELAXED);
	note("events_read %lu, records read %lu", v, want);
	if (v != want)
		fail("events_read is %lu, but %lu records were read", v, want);
}

static void unloaded(void)
{
	mod.loaded = false;
	mod.reloads++;
}

/*
 * delete_module(): a file on the device holds a module reference, so
 * the kernel refuses with EWOULDBLOCK (EAGAIN), "in use"; EBUSY would be
 * a module still loading or going away, which we never race with.
 */
static void op_rmmod(void)
{
	unsigned int flags = rnd(4) ? O_NONBLOCK : 0;
	int r, err, want;

	want = !mod.loaded ? ENOENT : dev_files() ? EWOULDBLOCK : 0;
	r = CALL(syscall(SYS_delete_module, "tcpstate", flags));
	err = r ? errno : 0;
	note("delete_module(tcpstate, %#x) = %s (%d files open)", flags,
	     err_name(err), dev_files());
	if (err != want)
		fail("delete_module(tcpstate) with %d device files open = %s, "
		     "expected %s", dev_files(), err_name(err), err_name(want));
	if (!err)
		unloaded();
}

/* kmod's rmmod: it looks at refcnt itself and says "is in use". */
static void op_rmmod_tool(void)
{
	char out[1024];
	int p[2], status, want;
	ssize_t r, n = 0;
	pid_t pid;

	if (CALL(pipe2(p, O_CLOEXEC)))
		fail("pipe2 = %s", err_name(errno));
	fflush(stdout);
	pid = CALL(fork());
	if (pid < 0)
		fail("fork = %s", err_name(errno));
	if (!pid) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execlp("rmmod", "rmmod", "tcpstate", (char *)NULL);
		_exit(127);
	}
	CALL(close(p[1]));
	while ((size_t)n < sizeof(out) - 1 &&
	       (r = CALL(read(p[0], out + n, sizeof(out) - 1 - n))) > 0)
		n += r;
	out[n] = '\0';
	CALL(close(p[0]));
	CALL(waitpid(pid, &status, 0));
	want = mod.loaded && !dev_files() ? 0 : 1;
	note("rmmod tcpstate: status %#x: %s", status, out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != want ||
	    (mod.loaded && dev_files() && !strstr(out, "in use")))
		fail("rmmod tcpstate with %d device files open%s: status %#x, "
		     "said '%s'", dev_files(), mod.loaded ? "" : " (unloaded)",
		     status, out);
	if (!want)
		unloaded();
}

static const struct lit hooks[] = {
	{ "tracepoint", true, TCPSTATE_HOOK_TRACEPOINT },
	{ "kprobe", true, TCPSTATE_HOOK_KPROBE },
	{ "foo", false, 0 }, { "", false, 0 }, { "Kprobe", false, 0 },
};

static const struct lit nrs[] = {
	{ "16", true, 16 }, { "17", true, 32 }, { "100", true, 128 },
	{ "1024", true, 1024 }, { "8192", true, 8192 }, { "0x10", true, 16 },
	{ "020", true, 16 }, { "65536", true, 65536 }, { "0", false, 0 },
	{ "15", false, 0 }, { "017", false, 0 }, { "1048577", false, 0 },
	{ "abc", false, 0 }, { "-1", false, 0 }, { "4294967296", false, 0 },
	/* Keep last: 128 MiB a ring, drawn rarely. */
	{ "1048576", true, 1048576 },
};

/* nrs[]' "8192": what a VM with many CPU ids loads instead of too much. */
#define NRS_FALLBACK	4

static const struct lit wakeups[] = {
	{ "0", true, 0 }, { "1", true, 1 }, { "100", true, 100 },
	{ "1000", true, 1000 }, { "1001", false, 0 }, { "x", false, 0 },
	{ "-5", false, 0 },
};

/* Load with random parameters: the bad ones must make it fail. */
static void op_insmod(void)
{
	char params[1024], val[256];
	struct filt f = { 0, { 0 }, FAM_ALL, SEG_CONTROL };
	unsigned int hook = TCPSTATE_HOOK_TRACEPOINT, nr = 8192, wake = 100;
	unsigned int maxs = 16;
	const struct lit *l;
	size_t n = 0;
	bool ok = true;
	int which, fd, r, err, want;
	uint64_t t0;

	if (chance(500)) {
		l = &hooks[rnd(8) ? rnd(2) : rnd(ARRAY_SIZE(hooks))];
		n += snprintf(params + n, sizeof(params) - n, "hook=%s ", l->s);
		ok &= l->ok;
		hook = l->ok ? l->v : hook;
	}
	if (chance(500)) {
		l = &nrs[rnd(40) ? rnd(ARRAY_SIZE(nrs) - 1) : ARRAY_SIZE(nrs) - 1];
		/*
		 * A session the budget cannot hold (nr_rings rings of it)
		 * would leave nothing to open: the largest that fits.
		 */
		if (l->ok && session_bytes(l->v) > RING_BUDGET)
			l = &nrs[session_bytes(nrs[NRS_FALLBACK].v) >
				 RING_BUDGET ? 0 : NRS_FALLBACK];
		n += snprintf(params + n, sizeof(params) - n, "nr_records=%s ",
			      l->s);
		ok &= l->ok;
		nr = l->ok ? l->v : nr;
	}
	if (chance(400)) {
		l = &wakeups[rnd(ARRAY_SIZE(wakeups))];
		n += snprintf(params + n, sizeof(params) - n, "wakeup_ms=%s ",
			      l->s);
		ok &= l->ok;
		wake = l->ok ? l->v : wake;
	}
	if (chance(400)) {
		/* Small limits most of the time; never one with a newline. */
		l = &maxes[rnd(2) ? rnd(4) : rnd(ARRAY_SIZE(maxes))];
		n += snprintf(params + n, sizeof(params) - n,
			      "max_sessions=%s ", l->s);
		ok &= l->ok;
		maxs = l->ok ? l->v : maxs;
	}
	for (which = 0; which < 3; which++) {
		if (!chance(250))
			continue;
		gen_value(which, val, sizeof(val), true);
		n += snprintf(params + n, sizeof(params) - n, "%s=%s ",
			      wparams[which], val);
		ok &= filter_write_ok(which, val, &f);
	}
	if (chance(50)) {
		/* Unknown: ignored with a warning. */
		n += snprintf(params + n, sizeof(params) - n, "bogus=1 ");
	}
	if (chance(30)) {
		/* No value: the parameter needs one. */
		n += snprintf(params + n, sizeof(params) - n, "family ");
		ok = false;
	}
	if (n)
		params[n - 1] = '\0';
	else
		params[0] = '\0';

	want = mod.loaded ? EEXIST : ok ? 0 : EINVAL;
	fd = CALL(open(module_path, O_RDONLY | O_CLOEXEC));
	if (fd < 0)
		die(module_path);
	t0 = now_ns();
	r = CALL(syscall(SYS_finit_module, fd, params, 0));
	err = r ? errno : 0;
	CALL(close(fd));
	note("finit_module(\"%s\") = %s (expected %s)", params, err_name(err),
	     err_name(want));
	if (err != want)
		fail("finit_module(\"%s\") = %s, expected %s", params,
		     err_name(err), err_name(want));
	if (err == EINVAL)
		mod.insmod_rejected++;
	if (err)
		return;
	mod.loaded = true;
	mod.hook = hook;
	mod.nr_records = nr;
	mod.wakeup_ms = wake;
	mod.max_sessions = maxs;
	mod.filt = f;
	mod.t_load = t0;
	mod.read_base = 0;
	__atomic_store_n(&sh->records, 0, __ATOMIC_RELAXED);
	hist_reset(0, &f);
}

/* --- the state at start ------------------------------------------------------- */

/* The writable parameters the model knows: any other is only named. */
static void check_param_list(void)
{
	struct dirent *d;
	struct stat st;
	char path[300];
	DIR *dir = opendir(SYS_PARAMS);
	int i;

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), SYS_PARAMS "%s", d->d_name);
		if (d->d_name[0] == '.' || stat(path, &st) ||
		    !(st.st_mode & 0222))
			continue;
		for (i = 0; i < 3; i++)
			if (!strcmp(d->d_name, wparams[i]))
				break;
		if (i == 3 && strcmp(d->d_name, "max_sessions"))
			printf("fuzz_dev: note: writable parameter %s is not "
			       "in the model, not fuzzed\n", d->d_name);
	}
	closedir(dir);
}

/* Module loaded by someone else: take its parameters as they are. */
static void read_module_state(void)
{
	char text[4200], val[4200];
	unsigned long v;
	int which;

	if (access(SYS_MOD, F_OK)) {
		mod.loaded = false;
		return;
	}
	mod.loaded = true;
	if (read_file(SYS_PARAMS "hook", text, sizeof(text)) < 0)
		die(SYS_PARAMS "hook");
	mod.hook = strncmp(text, "kprobe", 6) ? TCPSTATE_HOOK_TRACEPOINT :
		   TCPSTATE_HOOK_KPROBE;
	if (read_file(SYS_PARAMS "nr_records", text, sizeof(text)) < 0)
		die(SYS_PARAMS "nr_records");
	mod.nr_records = strtoul(text, NULL, 10);
	if (read_file(SYS_PARAMS "wakeup_ms", text, sizeof(text)) < 0)
		die(SYS_PARAMS "wakeup_ms");
	mod.wakeup_ms = strtoul(text, NULL, 10);
	if (read_file(SYS_PARAMS "max_sessions", text, sizeof(text)) < 0)
		die(SYS_PARAMS "max_sessions");
	mod.max_sessions = strtoul(text, NULL, 10);
	for (which = 0; which < 3; which++) {
		char path[128];

		snprintf(path, sizeof(path), SYS_PARAMS "%s", wparams[which]);
		if (read_file(path, text, sizeof(text)) < 0)
			die(path);
		k_strim(text, val);
		if (!filter_write_ok(which, val, &mod.filt))
			fprintf(stderr, "fuzz_dev: %s reads '%s'?\n", path,
				text);
	}
	if (read_file(PROC_PATH, text, sizeof(text)) < 0)
		die(PROC_PATH);
	if (!proc_value(text, "events_read", &v))
		v = 0;
	mod.read_base = v;
	mod.t_load = 0;
	hist_reset(0, &mod.filt);
	check_param_list();
}

/* --- traffic ---------------------------------------------------------------- */

static int listener(int family, struct sockaddr_storage *ss, socklen_t *len)
{
	int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (s < 0)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		*len = sizeof(*a);
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (void *)ss, *len) || listen(s, 64) ||
	    getsockname(s, (void *)ss, len)) {
		close(s);
		return -1;
	}
	return s;
}

/*
 * Loopback connections, on and on: connect, accept, a few bytes,
 * closes from either end (sometimes an RST), and refused connects.
 * Its own PRNG: how it runs never changes the fuzzer's ops.
 */
static void __attribute__((noreturn)) traffic_main(uint64_t tseed)
{
	struct sockaddr_storage ls[2], refused;
	socklen_t ll[2];
	int lfd[2], nl = 0, i;
	struct linger lg = { 1, 0 };
	char data[256] = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "fuzz-traffic");
	rng_state = tseed;
	for (i = 0; i < 2; i++) {
		lfd[nl] = listener(i ? AF_INET6 : AF_INET, &ls[nl], &ll[nl]);
		if (lfd[nl] >= 0)
			nl++;
	}
	if (!nl)
		_exit(3);
	/* For port filters: the fuzzer draws which, we say what they are. */
	for (i = 0; i < nl; i++)
		sh->listen_port[i] = ntohs(ls[i].ss_family == AF_INET ?
			((struct sockaddr_in *)&ls[i])->sin_port :
			((struct sockaddr_in6 *)&ls[i])->sin6_port);
	for (;;) {
		int k = rnd(nl), c, a;

		c = socket(ls[k].ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c < 0) {
			sleep_us(10000);
			continue;
		}
		if (!rnd(8)) {
			/* Nothing listens on port 1: a RST answers. */
			refused = ls[k];
			if (refused.ss_family == AF_INET)
				((struct sockaddr_in *)&refused)->sin_port = htons(1);
			else
				((struct sockaddr_in6 *)&refused)->sin6_port = htons(1);
			connect(c, (void *)&refused, ll[k]);
			close(c);
			sleep_us(rnd_range(1000, 5000));
			continue;
		}
		if (connect(c, (void *)&ls[k], ll[k])) {
			close(c);
			sleep_us(10000);
			continue;
		}
		a = accept4(lfd[k], NULL, NULL, SOCK_CLOEXEC);
		if (rnd(2))
			send(c, data, rnd_range(1, sizeof(data)), MSG_NOSIGNAL);
		if (!rnd(6))
			setsockopt(rnd(2) || a < 0 ? c : a, SOL_SOCKET,
				   SO_LINGER, &lg, sizeof(lg));
		if (rnd(2)) {
			close(c);
			if (a >= 0)
				close(a);
		} else {
			if (a >= 0)
				close(a);
			close(c);
		}
		sleep_us(rnd_range(2000, 8000));
	}
}

/* --- main ----------------------------------------------------------------------- */

#define CPU_POSSIBLE	"/sys/devices/system/cpu/possible"
#define MAX_CPU_IDS	65536

/*
 * The CPU ids that are possible ("0-1", "0,2-5"): nr_cpu_ids is one
 * past the last, a session's rings. A hole keeps an empty ring.
 */
static void read_possible(void)
{
	char text[4096], *p, *end;
	unsigned long a, b, i;
	int pass;

	if (read_file(CPU_POSSIBLE, text, sizeof(text)) <= 0)
		die(CPU_POSSIBLE);
	for (pass = 0; pass < 2; pass++) {
		for (p = text; *p && *p != '\n';) {
			a = strtoul(p, &end, 10);
			b = a;
			if (end != p && *end == '-') {
				p = end + 1;
				b = strtoul(p, &end, 10);
			}
			if (end == p || b < a || b >= MAX_CPU_IDS ||
			    (*end && *end != ',' && *end != '\n')) {
				fprintf(stderr, "fuzz_dev: " CPU_POSSIBLE
					" reads '%s'?\n", text);
				exit(2);
			}
			for (i = a; i <= b; i++) {
				if (!pass && i + 1 > nr_rings)
					nr_rings = i + 1;
				if (pass && !cpu_possible[i]) {
					cpu_possible[i] = true;
					npossible++;
				}
			}
			p = *end == ',' ? end + 1 : end;
		}
		if (!nr_rings) {
			fprintf(stderr, "fuzz_dev: no CPU in " CPU_POSSIBLE "\n");
			exit(2);
		}
		if (!pass) {
			cpu_possible = calloc(nr_rings, sizeof(*cpu_possible));
			m_tail = calloc(nr_rings, sizeof(*m_tail));
			m_head = calloc(nr_rings, sizeof(*m_head));
			m_take = calloc(nr_rings, sizeof(*m_take));
			if (!cpu_possible || !m_tail || !m_head || !m_take)
				die("memory");
		}
	}
}

static enum op pick_op(void)
{
	unsigned int w[NR_OPS], total = 0, x;
	int i;

	for (i = 0; i < NR_OPS; i++)
		w[i] = op_weight[i];
	if (!module_path) {
		w[OP_RMMOD] = 0;
		w[OP_RMMOD_TOOL] = 0;
		w[OP_INSMOD] = 0;
	} else if (!mod.loaded) {
		/* Come back soon: most ops have little to do meanwhile. */
		w[OP_INSMOD] = 150;
	}
	for (i = 0; i < NR_OPS; i++)
		total += w[i];
	x = rnd(total);
	for (i = 0; i < NR_OPS; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return OP_READ;
}

/* The ops some children run too take an argument: the parent's way. */
static void op_open_parent(void)
{
	op_open(false);
}

static void op_read_parent(void)
{
	op_read(false);
}

static void op_poll_parent(void)
{
	op_poll(false);
}

static void op_fcntl_parent(void)
{
	op_fcntl(false);
}

static void (*const op_fns[NR_OPS])(void) = {
	[OP_OPEN] = op_open_parent,
	[OP_CLOSE] = op_close,
	[OP_DUP] = op_dup,
	[OP_DUP2] = op_dup2,
	[OP_READ] = op_read_parent,
	[OP_PREAD] = op_pread,
	[OP_WRITE] = op_write,
	[OP_LSEEK] = op_lseek,
	[OP_MMAP] = op_mmap,
	[OP_POLL] = op_poll_parent,
	[OP_PPOLL] = op_ppoll,
	[OP_EPOLL] = op_epoll,
	[OP_IOCTL] = op_ioctl,
	[OP_FCNTL] = op_fcntl_parent,
	[OP_FORK] = op_fork,
	[OP_THREADS] = op_threads,
	[OP_INFLIGHT] = op_inflight,
	[OP_PARAM] = op_param,
	[OP_PARAM_RO] = op_param_ro,
	[OP_COUNTERS] = op_counters,
	[OP_SET_FILTER] = op_set_filter,
	[OP_GET_FILTER] = op_get_filter,
	[OP_SET_BUFFER] = op_set_buffer,
	[OP_SESSION] = op_session,
	[OP_SESSIONS] = op_sessions,
	[OP_MAX_SESSIONS] = op_max_sessions,
	[OP_RMMOD] = op_rmmod,
	[OP_RMMOD_TOOL] = op_rmmod_tool,
	[OP_INSMOD] = op_insmod,
};

static void run_op(enum op op)
{
	cur_op = op;
	add(&sh->ops[op], 1);
	op_fns[op]();
}

/* Close everything, check the counters, leave things as found. */
static void cleanup(void)
{
	int i;

	cur_op = OP_CLEANUP;
	for (i = 0; i < MAX_FDS; i++) {
		if (fds[i].used) {
			if (CALL(close(fds[i].fd)))
				fail("close(%d) = %s", fds[i].fd,
				     err_name(errno));
			drop_fd(i);
		}
	}
	if (ep_fd >= 0)
		CALL(close(ep_fd));
	ep_fd = -1;
	if (mod.loaded)
		op_counters();
	if (!mod.loaded && orig_loaded && module_path) {
		/* Put it back with the defaults. */
		int fd = CALL(open(module_path, O_RDONLY | O_CLOEXEC));

		if (fd < 0 || CALL(syscall(SYS_finit_module, fd, "", 0)))
			fail("reloading %s: %s", module_path, err_name(errno));
		CALL(close(fd));
		mod.loaded = true;
		mod.filt = (struct filt){ 0, { 0 }, FAM_ALL, SEG_CONTROL };
		mod.max_sessions = 16;
	}
	if (mod.loaded) {
		char v[32];
		int n = snprintf(v, sizeof(v), "%u\n", orig_max_sessions);

		restore_params();
		max_sessions_write(v, n, true, orig_max_sessions);
		check_max_sessions_text();
		for (i = 0; i < 3; i++)
			check_param_text(i);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz_dev --seed S --ops N [--seconds T] "
		"[--module tcpstate.ko] [--verbose] [--no-traffic]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long nops = 1000, done = 0;
	double seconds = 0, took;
	bool traffic = true, have_seed = false;
	struct sigaction sa;
	uint64_t t0, deadline, tseed;
	pid_t tpid = -1;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
			have_seed = true;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			nops = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
		} else if (!strcmp(argv[i], "--module") && i + 1 < argc) {
			module_path = argv[++i];
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--no-traffic")) {
			traffic = false;
		} else {
			usage();
		}
	}
	if (!have_seed)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fuzz_dev: seed=%" PRIu64 " ops=%lu seconds=%g module=%s\n",
	       seed, nops, seconds, module_path ? module_path : "-");
	if (geteuid())
		fprintf(stderr, "fuzz_dev: not root: expect failures\n");

	ncpus = get_nprocs_conf();
	{
		struct statvfs sv;

		dev_noexec = !statvfs("/dev", &sv) && (sv.f_flag & ST_NOEXEC);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("memory");
	for (i = 0; i < MAX_OFDS; i++) {
		seen[i] = calloc(SEEN_SIZE, sizeof(*seen[i]));
		if (!seen[i])
			die("memory");
	}
	{
		struct stat st;

		if (prctl(PR_GET_NAME, my_comm) || stat("/proc/self/ns/net", &st))
			die("own comm and network namespace");
		my_netns = st.st_ino;
	}
	memset(sh, 0, sizeof(*sh));
	read_possible();
	setup_buffers();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: reads see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rng_state = seed;
	read_module_state();
	orig_loaded = mod.loaded;
	orig_filt = mod.filt;
	if (mod.loaded)
		orig_max_sessions = mod.max_sessions;
	if (!mod.loaded && !module_path) {
		fprintf(stderr, "fuzz_dev: tcpstate is not loaded and no "
			"--module given\n");
		return 2;
	}

	/* Drawn either way: --no-traffic must not change the ops. */
	tseed = rnd64();
	if (traffic) {
		fflush(stdout);
		tpid = fork();
		if (tpid < 0)
			die("fork");
		if (!tpid)
			traffic_main(tseed);
		sh->traffic_pid = tpid;
		/* Let the first connections happen. */
		sleep_us(50000);
	}

	t0 = now_ns();
	deadline = seconds > 0 ? t0 + (uint64_t)(seconds * 1e9) : UINT64_MAX;
	for (opno = 1; opno <= nops; opno++) {
		if (now_ns() >= deadline)
			break;
		run_op(pick_op());
		done++;
	}
	cleanup();
	took = (now_ns() - t0) / 1e9;

	if (tpid > 0) {
		int status;

		/* Not a finding, but the records then came from less. */
		if (waitpid(tpid, &status, WNOHANG) == tpid)
			printf("fuzz_dev: note: the traffic process ended "
			       "early, status %#x\n", status);
		else
			kill(tpid, SIGKILL);
		waitpid(tpid, NULL, 0);
	}

	printf("fuzz_dev: seed=%" PRIu64 ": %lu of %lu ops in %.1f s%s; "
	       "%lu records read, %lu LOST records (%lu events), %u module "
	       "unloads, %u loads refused, %lu of %lu reads closed under "
	       "asleep (%lu out of the device by the check), %lu opens "
	       "refused at max_sessions, %lu maps read (%u rings each; %lu "
	       "read-only, %lu with a consumer refused; %lu records handed "
	       "back)\n", seed, done, nops,
	       took, done < nops ? " (stopped by --seconds)" : "",
	       sh->records_total, sh->lost_records, sh->lost_events,
	       mod.reloads, mod.insmod_rejected, sh->inflight_asleep,
	       sh->ops[OP_INFLIGHT], sh->inflight_released, sh->busy_opens,
	       sh->maps, nr_rings, sh->maps_ro, sh->maps_refused,
	       sh->map_records);
	printf("fuzz_dev: seed=%" PRIu64 ": ops", seed);
	for (i = 0; i < NR_OPS; i++)
		if (sh->ops[i])
			printf(" %s=%lu", op_names[i], sh->ops[i]);
	printf("\nfuzz_dev: seed=%" PRIu64 ": calls", seed);
	for (i = 0; i < NR_OPS; i++)
		if (sh->calls[i])
			printf(" %s=%lu", op_names[i], sh->calls[i]);
	printf("\nfuzz_dev: seed=%" PRIu64 ": PASS\n", seed);
	return 0;
}
