// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tcpstate: each open file is a session (session.c) with its own
 * rings (one per CPU), read position, loss accounting and filter; up to
 * max_sessions at once. read() merges the rings by time. Within one
 * file, one read() at a time (threads, dup() and fork() share the file;
 * the session's read_lock serialises them). Or the reader maps the
 * rings (mmap(), uapi/tcpstate.h), reads them in place and merges them
 * itself: then poll() takes back what it is done with, and read() is
 * refused.
 * Opening needs CAP_NET_ADMIN over the opener's network namespace; a
 * session opened in any namespace but the initial one is offered only
 * that namespace's events. A namespace is known by its cookie (the ring
 * keeps one beside every record): inode numbers are reused once one is
 * gone.
 *
 * The file holds a module reference (fops.owner), so the module cannot
 * be unloaded while a session exists: delete_module() fails (EWOULDBLOCK;
 * kmod's rmmod says "in use") instead of pulling the code from under a
 * blocked read().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "dev.h"
#include "hooks.h"
#include "params.h"
#include "session.h"
#include "stats.h"

static unsigned int hook_mode;

static int tcpstate_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct tcpstate_session *s;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	s = tcpstate_session_open(net);
	if (IS_ERR(s))
		return PTR_ERR(s);
	file->private_data = s;
	return nonseekable_open(inode, file);
}

/*
 * Counts for one namespace, flushed when the namespace changes. The
 * namespace is known by its inode number and, as inode numbers are
 * reused, by the cookie the ring keeps beside the record.
 */
struct tally {
	u32 inum;
	u64 cookie;
	u64 read, discarded;
};

static void tally_flush(struct tally *t)
{
	tcpstate_stats_add_by_inum(t->inum, t->cookie, TCPSTATE_EV_READ,
				   t->read);
	tcpstate_stats_add_by_inum(t->inum, t->cookie, TCPSTATE_EV_DISCARDED,
				   t->discarded);
	t->read = 0;
	t->discarded = 0;
}

/*
 * Returns whether @rec is an event. Told by @cookie, the kernel's own
 * tag, not by the record's type: a mapped reader can write the slots.
 * A wrong netns there only loses the count (the cookie must match too).
 */
static bool tally(struct tally *t, const struct tcpstate_rec *rec, u64 cookie,
		  bool read)
{
	/* Lost records (tag 0) are about the ring, not any namespace. */
	if (!cookie)
		return false;
	if (rec->netns != t->inum || cookie != t->cookie) {
		tally_flush(t);
		t->inum = rec->netns;
		t->cookie = cookie;
	}
	if (read)
		t->read++;
	else
		t->discarded++;
	return true;
}

/*
 * Copy up to @max records of @s's rings to @buf, merged by time.
 * Returns the number copied, or -EFAULT if not even one could be.
 * Records go out in runs, one copy_to_user() for as many consecutive
 * slots of one ring as come before any other ring's next record:
 * per record, the user access setup cost more than the copy. With
 * read_lock held.
 */
static ssize_t ring_to_user(struct tcpstate_session *s, char __user *buf,
			    size_t max)
{
	struct tcpstate_ring *ring = tcpstate_session_ring(s);
	const size_t size = sizeof(struct tcpstate_rec);
	struct tcpstate_cpu_ring *cr;
	struct tally t = {};
	unsigned long left = 0;
	size_t n = 0, done, i;
	u64 events = 0;
	u32 run;

	tcpstate_ring_missed(ring, tcpstate_hooks_missed(), ktime_get_ns());
	tcpstate_ring_merge_start(ring);
	while (n < max && !left) {
		cr = tcpstate_ring_merge_next(ring, min_t(size_t, max - n, U32_MAX),
					      &run);
		if (!cr)
			break;
		/* The slots stay ours until consume(): a fault may sleep. */
		left = copy_to_user(buf + n * size,
				    tcpstate_ring_slot(ring, cr, cr->rd_pos),
				    run * size);
		done = run - DIV_ROUND_UP(left, size);
		for (i = 0; i < done; i++)
			events += tally(&t, tcpstate_ring_slot(ring, cr, cr->rd_pos + i),
					tcpstate_ring_tag(ring, cr, cr->rd_pos + i),
					true);
		cr->rd_pos += done;
		n += done;
	}
	tcpstate_ring_merge_end(ring);
	tally_flush(&t);
	WRITE_ONCE(s->read, s->read + events);
	return n || !left ? n : -EFAULT;
}

/*
 * Everything left in @ring, about to go (close, SET_BUFFER): counted as
 * discarded, per namespace and for the session. No producer writes to
 * it any more.
 */
static void ring_discard(struct tcpstate_session *s, struct tcpstate_ring *ring)
{
	struct tcpstate_cpu_ring *cr;
	struct tally t = {};
	u64 pos, head, events = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		head = tcpstate_ring_peek(cr, &pos);
		for (; pos != head; pos++)
			events += tally(&t, tcpstate_ring_slot(ring, cr, pos),
					tcpstate_ring_tag(ring, cr, pos), false);
		tcpstate_ring_consume(cr, pos);
	}
	tally_flush(&t);
	WRITE_ONCE(s->discarded, s->discarded + events);
}

/*
 * A mapped session (mmap()): take back the slots its reader is done
 * with, each ring's header page's consumer, and count their events as
 * read, as ring_to_user() counts what it copies; then, like it, report
 * the probes' misses and, for a drained ring, pending drops. -EINVAL,
 * and nothing taken back from any ring, for a consumer the reader may
 * not have written (uapi/tcpstate.h). With read_lock held, or from
 * release().
 */
static int ring_take_back(struct tcpstate_session *s, struct tcpstate_ring *ring)
{
	struct tcpstate_cpu_ring *cr;
	struct tally t = {};
	u64 pos, head, events = 0;
	unsigned int cpu;

	/* rd_head: the consumer, checked for every ring before any is used. */
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		if (tcpstate_ring_consumer(ring, cr, &cr->rd_head))
			return -EINVAL;
	}
	tcpstate_ring_missed(ring, tcpstate_hooks_missed(), ktime_get_ns());
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		for (tcpstate_ring_peek(cr, &pos); pos != cr->rd_head; pos++)
			events += tally(&t, tcpstate_ring_slot(ring, cr, pos),
					tcpstate_ring_tag(ring, cr, pos), true);
		tcpstate_ring_consume(cr, cr->rd_head);
	}
	tally_flush(&t);
	WRITE_ONCE(s->read, s->read + events);
	for_each_possible_cpu(cpu) {
		cr = tcpstate_ring_cpu(ring, cpu);
		head = tcpstate_ring_peek(cr, &pos);
		if (head == pos)
			tcpstate_ring_flush_lost(ring, cr);
	}
	return 0;
}

static int tcpstate_release(struct inode *inode, struct file *file)
{
	struct tcpstate_session *s = file->private_data;

	tcpstate_session_unlist(s);
	/* Every map is gone (each holds the file): the consumer is final. */
	if (READ_ONCE(s->mapped))
		ring_take_back(s, tcpstate_session_ring(s));
	ring_discard(s, tcpstate_session_ring(s));
	tcpstate_session_free(s);
	return 0;
}

/* The first read() or poll(): the ring is fixed from now on. */
static void session_start(struct tcpstate_session *s)
{
	if (READ_ONCE(s->started))
		return;
	mutex_lock(&s->read_lock);
	WRITE_ONCE(s->started, true);
	mutex_unlock(&s->read_lock);
}

static ssize_t tcpstate_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	size_t max = count / sizeof(struct tcpstate_rec);
	struct tcpstate_session *s = file->private_data;
	struct tcpstate_ring *ring;
	ssize_t n;
	int ret;

	if (!max)
		return -EINVAL;
	/* Its reader takes records from the map: two consumers would race. */
	if (READ_ONCE(s->mapped))
		return -EBUSY;
	session_start(s);
	ring = tcpstate_session_ring(s);

	for (;;) {
		/*
		 * Not held while waiting: another thread's non-blocking
		 * read() must not wait for this one's records.
		 */
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&s->read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&s->read_lock)) {
			return -ERESTARTSYS;
		}
		n = ring_to_user(s, buf, max);
		mutex_unlock(&s->read_lock);
		if (n < 0)
			return n;
		if (n) {
			tcpstate_ring_reader_busy(ring);
			return n * sizeof(struct tcpstate_rec);
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(s->waitq,
					       tcpstate_ring_poll_ready(ring));
		if (ret)
			return ret;
	}
}

static __poll_t tcpstate_poll(struct file *file, poll_table *wait)
{
	struct tcpstate_session *s = file->private_data;
	struct tcpstate_ring *ring;

	session_start(s);
	ring = tcpstate_session_ring(s);
	poll_wait(file, &s->waitq, wait);
	/*
	 * A mapped reader polls when it is done with a batch: the place to
	 * take its slots back. A blocked reader's retries come here too.
	 */
	if (READ_ONCE(s->mapped)) {
		int ret;

		mutex_lock(&s->read_lock);
		ret = ring_take_back(s, ring);
		mutex_unlock(&s->read_lock);
		if (ret)
			return EPOLLERR;
	}
	return tcpstate_ring_poll_ready(ring) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int tcpstate_mmap(struct file *file, struct vm_area_struct *vma)
{
	return tcpstate_session_map(file->private_data, vma);
}

static long ioc_info(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_info info = {
		.version = TCPSTATE_ABI_VERSION,
		.rec_size = sizeof(struct tcpstate_rec),
		.hook = hook_mode,
		.netns = s->scoped ? s->net->ns.inum : 0,
		.groups = tcpstate_hooks_groups(),
	};

	mutex_lock(&s->read_lock);
	info.nr_records = tcpstate_ring_capacity(tcpstate_session_ring(s));
	info.nr_rings = tcpstate_session_ring(s)->nr_rings;
	mutex_unlock(&s->read_lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long ioc_set_filter(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_filter f;

	if (copy_from_user(&f, arg, sizeof(f)))
		return -EFAULT;
	return tcpstate_session_set_filter(s, &f);
}

static long ioc_get_filter(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_filter f;

	tcpstate_session_get_filter(s, &f);
	return copy_to_user(arg, &f, sizeof(f)) ? -EFAULT : 0;
}

static long ioc_set_buffer(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_ring *old;
	u32 nr;
	long ret = 0;

	if (get_user(nr, (u32 __user *)arg))
		return -EFAULT;
	if (nr < TCPSTATE_NR_RECORDS_MIN || nr > TCPSTATE_NR_RECORDS_MAX)
		return -EINVAL;
	nr = roundup_pow_of_two(nr);
	mutex_lock(&s->read_lock);
	if (s->started) {
		ret = -EBUSY;
		goto out;
	}
	old = tcpstate_session_replace_ring(s, nr);
	if (IS_ERR(old)) {
		ret = PTR_ERR(old);
		goto out;
	}
	ring_discard(s, old);
	tcpstate_ring_destroy(old);
out:
	mutex_unlock(&s->read_lock);
	return ret;
}

static long ioc_session(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_session_info *info;
	long ret;

	/* 328 bytes: too many for a kernel stack frame. */
	info = kmalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	mutex_lock(&s->read_lock);
	/* Its figures as of the reader's last store of consumer. */
	if (READ_ONCE(s->mapped))
		ring_take_back(s, tcpstate_session_ring(s));
	tcpstate_session_info(s, info);
	mutex_unlock(&s->read_lock);
	ret = copy_to_user(arg, info, sizeof(*info)) ? -EFAULT : 0;
	kfree(info);
	return ret;
}

static long ioc_sessions(struct tcpstate_session *s, void __user *arg)
{
	struct tcpstate_sessions req;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	ret = tcpstate_sessions_list(s, &req, u64_to_user_ptr(req.ptr));
	if (ret)
		return ret;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long tcpstate_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct tcpstate_session *s = file->private_data;
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case TCPSTATE_IOC_INFO:
		return ioc_info(s, p);
	case TCPSTATE_IOC_SET_FILTER:
		return ioc_set_filter(s, p);
	case TCPSTATE_IOC_GET_FILTER:
		return ioc_get_filter(s, p);
	case TCPSTATE_IOC_SET_BUFFER:
		return ioc_set_buffer(s, p);
	case TCPSTATE_IOC_SESSION:
		return ioc_session(s, p);
	case TCPSTATE_IOC_SESSIONS:
		return ioc_sessions(s, p);
	}
	return -ENOTTY;
}

static const struct file_operations tcpstate_fops = {
	.owner = THIS_MODULE,
	.open = tcpstate_open,
	.release = tcpstate_release,
	.read = tcpstate_read,
	.poll = tcpstate_poll,
	.mmap = tcpstate_mmap,
	.unlocked_ioctl = tcpstate_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	/*
	 * No .llseek: nonseekable_open() makes lseek() fail with ESPIPE.
	 * (no_llseek was NULL since 6.0, and 6.12 removed the name.)
	 */
};

static struct miscdevice tcpstate_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = TCPSTATE_DEV_NAME,
	.fops = &tcpstate_fops,
	.mode = 0600,
};

int tcpstate_dev_init(unsigned int hook)
{
	int ret;

	hook_mode = hook;
	ret = misc_register(&tcpstate_misc);
	if (ret)
		pr_err("cannot register /dev/%s: %d\n", TCPSTATE_DEV_NAME, ret);
	return ret;
}

void tcpstate_dev_uninit(void)
{
	misc_deregister(&tcpstate_misc);
}
