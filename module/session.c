// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: one per open() of /dev/tcpstate, each with its own ring,
 * read position, loss accounting and filter, so several readers trace
 * at once and none can narrow, slow down or blind another.
 *
 * Producers (the probes) walk the session list under RCU and offer each
 * record to every session whose scope and filter want it: a session
 * opened in a network namespace other than the initial one is only
 * offered that namespace's events. A full ring loses its own session's
 * records (in-band LOST records, as before), never another's.
 *
 * Cost: each session holds a ring of nr_records * 136 bytes (the record
 * and its namespace tag) plus the page mmap() shares, and a per-CPU
 * pair of counters; at most max_sessions exist, so the total is bounded
 * by max_sessions times the largest ring allowed. Everything is
 * allocated in open() or ioctl(), never in a probe. Per event, each
 * session costs a filter test and, if it matches, one ring write under
 * that ring's own lock.
 *
 * Locking: sessions_lock (a mutex) serialises changes to the list, the
 * count and the kinds summary; producers only read the list under RCU,
 * and a session is freed a grace period after it left the list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "filter.h"
#include "hooks.h"
#include "params.h"
#include "session.h"
#include "stats.h"
#include "uapi/tcpstate_match.h"

#define TCPSTATE_MAX_SESSIONS_LIMIT	1024

static LIST_HEAD(sessions);
static DEFINE_MUTEX(sessions_lock);

/* Under sessions_lock; producers read the summaries with READ_ONCE. */
static unsigned int nr_sessions;
static unsigned int nr_default;	/* sessions following the default filter */
static u32 own_kinds;		/* kinds wanted by sessions with their own filter */
static u32 next_id;

static unsigned int max_sessions = 16;

static int max_sessions_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || !n || n > TCPSTATE_MAX_SESSIONS_LIMIT) {
		pr_err("max_sessions=%s: must be 1..%d\n", val,
		       TCPSTATE_MAX_SESSIONS_LIMIT);
		return -EINVAL;
	}
	/* Sessions open now stay; only later opens are refused. */
	WRITE_ONCE(max_sessions, n);
	return 0;
}

static const struct kernel_param_ops max_sessions_ops = {
	.set = max_sessions_set,
	.get = param_get_uint,
};

module_param_cb(max_sessions, &max_sessions_ops, &max_sessions, 0644);
MODULE_PARM_DESC(max_sessions, "most /dev/tcpstate opens at once, 1..1024; past it open() fails with EBUSY (default 16, runtime-settable)");

u32 tcpstate_sessions_kinds(void)
{
	u32 kinds = READ_ONCE(own_kinds);

	if (READ_ONCE(nr_default)) {
		rcu_read_lock();
		kinds |= tcpstate_filter_default()->kinds;
		rcu_read_unlock();
	}
	return kinds;
}

unsigned int tcpstate_sessions_count(void)
{
	return READ_ONCE(nr_sessions);
}

/* With sessions_lock held: the summaries producers read. */
static void sessions_resum(void)
{
	struct tcpstate_session *s;
	const struct tcpstate_filter *f;
	unsigned int def = 0;
	u32 kinds = 0;

	list_for_each_entry(s, &sessions, node) {
		f = rcu_dereference_protected(s->filter,
					      lockdep_is_held(&sessions_lock));
		if (f)
			kinds |= f->kinds;
		else
			def++;
	}
	WRITE_ONCE(own_kinds, kinds);
	WRITE_ONCE(nr_default, def);
}

void tcpstate_sessions_emit(const struct net *net,
			    const struct tcpstate_rec *rec)
{
	struct tcpstate_net *tn = NULL;
	const struct tcpstate_filter *f;
	struct tcpstate_session *s;
	bool looked = false;

	rcu_read_lock();
	list_for_each_entry_rcu(s, &sessions, node) {
		/* Compared, never dereferenced: the session holds it. */
		if (s->scoped && !net_eq(s->net, net))
			continue;
		f = rcu_dereference(s->filter) ?: tcpstate_filter_default();
		if (!tcpstate_filter_match(f, rec))
			continue;
		if (!looked) {
			tn = tcpstate_stats_net(net);
			looked = true;
		}
		/*
		 * Counted before the reader can see it, so no figure ever
		 * shows more events read than recorded. this_cpu ops: safe
		 * against an interrupt's probe on the same CPU.
		 */
		this_cpu_inc(s->pcpu->recorded);
		if (tn)
			tcpstate_stats_inc(tn, TCPSTATE_EV_RECORDED);
		if (tcpstate_ring_write(rcu_dereference(s->ring), rec,
					net->net_cookie))
			continue;
		this_cpu_inc(s->pcpu->dropped);
		if (tn)
			tcpstate_stats_inc(tn, TCPSTATE_EV_DROPPED);
	}
	rcu_read_unlock();
}

static struct tcpstate_ring *ring_new(struct tcpstate_session *s, u32 nr)
{
	struct tcpstate_ring *ring = tcpstate_ring_create(nr);

	if (IS_ERR(ring))
		return ring;
	tcpstate_ring_set_waitq(ring, &s->waitq);
	tcpstate_ring_set_wakeup(ring, tcpstate_param_wakeup_ms);
	/*
	 * Its LOST records count the misses from now on, not those since
	 * the module loaded (a new session's, or SET_BUFFER's new ring).
	 */
	tcpstate_ring_set_missed_base(ring, tcpstate_hooks_missed());
	return ring;
}

static void session_free(struct tcpstate_session *s)
{
	tcpstate_ring_destroy(rcu_dereference_protected(s->ring, 1));
	kfree(rcu_dereference_protected(s->filter, 1));
	free_percpu(s->pcpu);
	put_net(s->net);
	mutex_destroy(&s->read_lock);
	kfree(s);
}

struct tcpstate_session *tcpstate_session_open(struct net *net)
{
	struct tcpstate_session *s;
	struct tcpstate_ring *ring;
	int ret = -ENOMEM;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto err_session;
	s->pcpu = alloc_percpu(struct tcpstate_session_pcpu);
	if (!s->pcpu)
		goto err_pcpu;
	mutex_init(&s->read_lock);
	spin_lock_init(&s->map_lock);
	init_waitqueue_head(&s->waitq);
	ring = ring_new(s, tcpstate_param_nr_records);
	if (IS_ERR(ring)) {
		ret = PTR_ERR(ring);
		goto err_ring;
	}
	RCU_INIT_POINTER(s->ring, ring);
	s->net = get_net(net);
	s->scoped = !net_eq(net, &init_net);
	s->pid = task_tgid_nr(current);
	get_task_comm(s->comm, current);
	s->opened_ns = ktime_get_ns();

	mutex_lock(&sessions_lock);
	if (nr_sessions >= READ_ONCE(max_sessions)) {
		mutex_unlock(&sessions_lock);
		ret = -EBUSY;
		goto err_limit;
	}
	s->id = ++next_id;
	nr_sessions++;
	/* From here producers offer it records. */
	list_add_tail_rcu(&s->node, &sessions);
	sessions_resum();
	mutex_unlock(&sessions_lock);
	return s;

err_limit:
	put_net(s->net);
	tcpstate_ring_destroy(ring);
err_ring:
	mutex_destroy(&s->read_lock);
	free_percpu(s->pcpu);
err_pcpu:
	kfree(s);
err_session:
	return ERR_PTR(ret);
}

/*
 * Off the list, then a grace period: no producer is writing to its ring
 * when this returns. The caller accounts for what is left in the ring,
 * then frees it with tcpstate_session_free().
 */
void tcpstate_session_unlist(struct tcpstate_session *s)
{
	mutex_lock(&sessions_lock);
	list_del_rcu(&s->node);
	nr_sessions--;
	sessions_resum();
	mutex_unlock(&sessions_lock);
	synchronize_rcu();
}

void tcpstate_session_free(struct tcpstate_session *s)
{
	session_free(s);
}

int tcpstate_session_set_filter(struct tcpstate_session *s,
				const struct tcpstate_filter *uf)
{
	struct tcpstate_filter *f, *old;

	if (tcpstate_filter_invalid(uf))
		return -EINVAL;
	/* A namespace's session cannot look outside it. */
	if (s->scoped && uf->netns && uf->netns != s->net->ns.inum)
		return -EINVAL;
	f = kmemdup(uf, sizeof(*uf), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_lock(&sessions_lock);
	old = rcu_dereference_protected(s->filter,
					lockdep_is_held(&sessions_lock));
	rcu_assign_pointer(s->filter, f);
	sessions_resum();
	mutex_unlock(&sessions_lock);
	/* Producers that still see the old filter are done after this. */
	synchronize_rcu();
	kfree(old);
	return 0;
}

void tcpstate_session_get_filter(struct tcpstate_session *s,
				 struct tcpstate_filter *out)
{
	const struct tcpstate_filter *f;

	mutex_lock(&sessions_lock);
	f = rcu_dereference_protected(s->filter,
				      lockdep_is_held(&sessions_lock));
	if (f)
		*out = *f;
	else
		tcpstate_filter_default_copy(out);
	mutex_unlock(&sessions_lock);
}

/*
 * SET_BUFFER: a new, empty ring in place of @s's. Returns the old one,
 * which no producer writes to any more, for the caller to account for
 * and destroy. The caller holds read_lock and has checked no reader
 * started; an mmap() may still have come since, so that is checked
 * again under map_lock (-EBUSY). Nothing sleeps on the old ring, reads
 * from it or maps it.
 */
struct tcpstate_ring *tcpstate_session_replace_ring(struct tcpstate_session *s,
						    u32 nr_records)
{
	struct tcpstate_ring *ring, *old;

	ring = ring_new(s, nr_records);
	if (IS_ERR(ring))
		return ring;
	spin_lock(&s->map_lock);
	if (s->started) {
		spin_unlock(&s->map_lock);
		tcpstate_ring_destroy(ring);
		return ERR_PTR(-EBUSY);
	}
	old = rcu_dereference_protected(s->ring, lockdep_is_held(&s->read_lock));
	rcu_assign_pointer(s->ring, ring);
	spin_unlock(&s->map_lock);
	synchronize_rcu();
	return old;
}

/*
 * mmap() of the session's rings, whole (ring.h: for each CPU id a
 * header page, then its slots), shared and not executable. From here the ring is fixed
 * and the reader reads through the map. Called with mmap_lock held, so
 * without read_lock (session.h).
 */
int tcpstate_session_map(struct tcpstate_session *s, struct vm_area_struct *vma)
{
	struct tcpstate_ring *ring;
	int ret;

	/*
	 * A private copy would never see a record. VM_MAYSHARE, as a
	 * MAP_SHARED map of a file not open for writing loses VM_SHARED: a
	 * reader that cannot write consumer can look, but not hand back.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff)
		return -EINVAL;
	spin_lock(&s->map_lock);
	ring = rcu_dereference_protected(s->ring, lockdep_is_held(&s->map_lock));
	if (vma->vm_end - vma->vm_start != tcpstate_ring_map_size(ring)) {
		spin_unlock(&s->map_lock);
		return -EINVAL;
	}
	/* Fixed from here: SET_BUFFER looks at started under map_lock. */
	WRITE_ONCE(s->started, true);
	spin_unlock(&s->map_lock);

	ret = remap_vmalloc_range(vma, ring->area, 0);
	if (ret)
		return ret;
	tcpstate_vma_deny_exec(vma);
	WRITE_ONCE(s->mapped, true);
	return 0;
}

static void session_figures(struct tcpstate_session *s,
			    struct tcpstate_session_info *info, bool self)
{
	u64 recorded = 0, dropped = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct tcpstate_session_pcpu *pc = per_cpu_ptr(s->pcpu, cpu);

		recorded += READ_ONCE(pc->recorded);
		dropped += READ_ONCE(pc->dropped);
	}
	memset(info, 0, sizeof(*info));
	info->id = s->id;
	info->pid = s->pid;
	memcpy(info->comm, s->comm, sizeof(info->comm));
	info->netns = s->scoped ? s->net->ns.inum : 0;
	info->nr_records = tcpstate_ring_capacity(tcpstate_session_ring(s));
	info->nr_rings = tcpstate_session_ring(s)->nr_rings;
	info->flags = self ? TCPSTATE_SESSION_SELF : 0;
	if (!rcu_access_pointer(s->filter))
		info->flags |= TCPSTATE_SESSION_DEFAULT_FILTER;
	info->recorded = recorded;
	info->dropped = dropped;
	info->read = READ_ONCE(s->read);
	info->discarded = READ_ONCE(s->discarded);
	/* An event counted as recorded but not yet stored counts as buffered. */
	info->buffered = recorded - min(recorded, dropped + info->read +
					info->discarded);
	info->opened_ns = s->opened_ns;
}

void tcpstate_session_info(struct tcpstate_session *s,
			   struct tcpstate_session_info *info)
{
	session_figures(s, info, true);
	tcpstate_session_get_filter(s, &info->filter);
}

/*
 * TCPSTATE_IOC_SESSIONS: every session @self may see: all of them from
 * an unscoped session (opened in the initial namespace), else those
 * scoped to its namespace. By the session's scope, not the caller's
 * current namespace: what was checked at open() is what counts. At most
 * req->nr, gathered under sessions_lock into a kernel buffer and copied
 * out after it: a user page fault (slow, or held by userfaultfd) must
 * not stall every other session's open, close and SET_FILTER.
 */
int tcpstate_sessions_list(struct tcpstate_session *self,
			   struct tcpstate_sessions *req,
			   struct tcpstate_session_info __user *out)
{
	const struct net *net = self->scoped ? self->net : NULL;
	struct tcpstate_session_info *info;
	const struct tcpstate_filter *f;
	struct tcpstate_session *s;
	u32 n = 0, total = 0, want;
	int ret = 0;

	/* No more than can exist: the array's size is bounded. */
	want = min_t(u32, req->nr, TCPSTATE_MAX_SESSIONS_LIMIT);
	info = want ? kvcalloc(want, sizeof(*info), GFP_KERNEL) : NULL;
	if (want && !info)
		return -ENOMEM;
	mutex_lock(&sessions_lock);
	list_for_each_entry(s, &sessions, node) {
		if (net && (!s->scoped || !net_eq(s->net, net)))
			continue;
		total++;
		if (n >= want)
			continue;
		session_figures(s, &info[n], s == self);
		f = rcu_dereference_protected(s->filter,
					      lockdep_is_held(&sessions_lock));
		if (f)
			info[n].filter = *f;
		else
			tcpstate_filter_default_copy(&info[n].filter);
		n++;
	}
	mutex_unlock(&sessions_lock);
	if (n && copy_to_user(out, info, n * sizeof(*info)))
		ret = -EFAULT;
	kvfree(info);
	req->nr = n;
	req->total = total;
	return ret;
}

int tcpstate_sessions_init(void)
{
	return 0;
}

/* Every file is closed (each holds a module reference): nothing is left. */
void tcpstate_sessions_uninit(void)
{
	WARN_ON(!list_empty(&sessions));
}
