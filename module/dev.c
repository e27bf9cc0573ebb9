// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tcpstate: the one reader of the ring.
 *
 * One reader at a time (the ring has one consumer position): one open
 * file, and within it one read() at a time (threads, dup() and fork()
 * share the file; read_lock serialises them). Opening needs
 * CAP_NET_ADMIN over the opener's network namespace; a reader in any
 * namespace but the initial one is scoped to its own: producers stop
 * offering other namespaces' events, and records of other namespaces
 * still buffered from before are skipped and counted as discarded. A
 * namespace is known by its cookie (the ring keeps one beside every
 * record): inode numbers are reused once a namespace is gone.
 *
 * The file holds a module reference (fops.owner), so the module cannot
 * be unloaded while a reader exists: delete_module() fails (EWOULDBLOCK;
 * kmod's rmmod says "in use") instead of pulling the code from under a
 * blocked read().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
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
#include "stats.h"

static struct tcpstate_ring *ring;
static unsigned int hook_mode;

/* Bit 0: a reader has the device open. */
static unsigned long dev_busy;

struct reader {
	struct net *net;	/* holds a reference */
	bool scoped;		/* sees only net's records */
	u64 scope_cookie;	/* net->net_cookie, when scoped */
	/*
	 * One consumer at a time: ring_to_user() reads the tail, copies
	 * (and may fault and sleep), then moves it. Two at once would copy
	 * the same slots and move the tail backwards.
	 */
	struct mutex read_lock;
};

static int tcpstate_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct reader *rd;

	if (!ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;

	/* Pairs with clear_bit_unlock() in release: ring->tail handover. */
	if (test_and_set_bit_lock(0, &dev_busy)) {
		kfree(rd);
		return -EBUSY;
	}

	mutex_init(&rd->read_lock);
	rd->net = get_net(net);
	if (!net_eq(net, &init_net)) {
		rd->scoped = true;
		rd->scope_cookie = net->net_cookie;
		WRITE_ONCE(ring->scope, net);
	}
	file->private_data = rd;
	return nonseekable_open(inode, file);
}

static int tcpstate_release(struct inode *inode, struct file *file)
{
	struct reader *rd = file->private_data;

	/* Producers only compare the pointer; the reference may go now. */
	WRITE_ONCE(ring->scope, NULL);
	put_net(rd->net);
	mutex_destroy(&rd->read_lock);
	kfree(rd);
	clear_bit_unlock(0, &dev_busy);
	return 0;
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

static void tally(struct tally *t, const struct tcpstate_rec *rec, u64 cookie,
		  bool read)
{
	/* Lost records are about the ring, not about any namespace. */
	if (rec->type == TCPSTATE_REC_LOST)
		return;
	if (rec->netns != t->inum || cookie != t->cookie) {
		tally_flush(t);
		t->inum = rec->netns;
		t->cookie = cookie;
	}
	if (read)
		t->read++;
	else
		t->discarded++;
}

static bool rec_visible(const struct reader *rd, u64 pos)
{
	return !rd->scoped ||
	       tcpstate_ring_slot(ring, pos)->type == TCPSTATE_REC_LOST ||
	       tcpstate_ring_tag(ring, pos) == rd->scope_cookie;
}

/*
 * Copy up to @max records to @buf. Returns the number copied, or
 * -EFAULT if not even one could be. Records go out in runs, one
 * copy_to_user() for as many consecutive slots as the reader may see
 * and the ring holds without wrapping: per record, the user access
 * setup cost more than the copy.
 */
static ssize_t ring_to_user(const struct reader *rd, char __user *buf,
			    size_t max)
{
	const size_t size = sizeof(struct tcpstate_rec);
	const u32 cap = tcpstate_ring_capacity(ring);
	const struct tcpstate_rec *rec;
	struct tally t = {};
	size_t n = 0, run, limit, done, i;
	unsigned long left = 0;
	u64 pos, head;

	tcpstate_ring_missed(ring, tcpstate_hooks_missed(), ktime_get_ns());
	head = tcpstate_ring_peek(ring, &pos);
	if (pos == head && tcpstate_ring_flush_lost(ring))
		head = tcpstate_ring_peek(ring, &pos);

	while (pos != head && n < max && !left) {
		rec = tcpstate_ring_slot(ring, pos);
		if (!rec_visible(rd, pos)) {
			tally(&t, rec, tcpstate_ring_tag(ring, pos), false);
			pos++;
			continue;
		}
		limit = min3((size_t)(head - pos), max - n,
			     (size_t)(cap - (pos & ring->mask)));
		for (run = 1; run < limit; run++)
			if (!rec_visible(rd, pos + run))
				break;
		/* The slots stay ours until consume(): a fault may sleep. */
		left = copy_to_user(buf + n * size, rec, run * size);
		done = run - DIV_ROUND_UP(left, size);
		for (i = 0; i < done; i++)
			tally(&t, tcpstate_ring_slot(ring, pos + i),
			      tcpstate_ring_tag(ring, pos + i), true);
		pos += done;
		n += done;
	}
	tcpstate_ring_consume(ring, pos);
	tally_flush(&t);
	return n || pos == head ? n : -EFAULT;
}

static ssize_t tcpstate_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	size_t max = count / sizeof(struct tcpstate_rec);
	struct reader *rd = file->private_data;
	ssize_t n;
	int ret;

	if (!max)
		return -EINVAL;

	for (;;) {
		/*
		 * Not held while waiting: another thread's non-blocking
		 * read() must not wait for this one's records.
		 */
		if (file->f_flags & O_NONBLOCK) {
			if (!mutex_trylock(&rd->read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&rd->read_lock)) {
			return -ERESTARTSYS;
		}
		n = ring_to_user(rd, buf, max);
		mutex_unlock(&rd->read_lock);
		if (n < 0)
			return n;
		if (n) {
			tcpstate_ring_reader_busy(ring);
			return n * sizeof(struct tcpstate_rec);
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(ring->waitq,
					       tcpstate_ring_poll_ready(ring));
		if (ret)
			return ret;
	}
}

static __poll_t tcpstate_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &ring->waitq, wait);
	return tcpstate_ring_poll_ready(ring) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long tcpstate_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	const struct reader *rd = file->private_data;
	struct tcpstate_info info = {
		.version = TCPSTATE_ABI_VERSION,
		.rec_size = sizeof(struct tcpstate_rec),
		.nr_records = tcpstate_ring_capacity(ring),
		.hook = hook_mode,
		.netns = rd->scoped ? rd->net->ns.inum : 0,
		.groups = tcpstate_hooks_groups(),
	};

	if (cmd != TCPSTATE_IOC_INFO)
		return -ENOTTY;
	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static const struct file_operations tcpstate_fops = {
	.owner = THIS_MODULE,
	.open = tcpstate_open,
	.release = tcpstate_release,
	.read = tcpstate_read,
	.poll = tcpstate_poll,
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

int tcpstate_dev_init(struct tcpstate_ring *r, unsigned int hook)
{
	int ret;

	ring = r;
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
