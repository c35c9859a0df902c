// SPDX-License-Identifier: GPL-2.0
/*
 * corral_sysinfo - /proc/sysinfo_<suffix>, the corral.sysinfo/v1 document.
 *
 * One read returns the host's memory totals and every Docker container on
 * the host with its processes, as JSON (see
 * schemas/corral.sysinfo.v1.schema.json and kernel-module/README.md).
 *
 * Only a reader with CAP_SYS_ADMIN in the initial user namespace and in the
 * initial PID namespace can open the file (mode 0400): the document holds
 * every container's command lines, and /proc entries created here show in
 * every procfs mount, a container's included.
 *
 * A process belongs to a container by the cgroup it is in, never by its
 * name, and only where Docker puts containers: one of its cgroup paths (the
 * cgroup v2 one, or the v1 memory or cpuacct one) starts with
 * "/<cgroup_parent>/<64 hex>" (Docker's cgroupfs driver; cgroup_parent is
 * "docker" by default) or "/system.slice/docker-<64 hex>.scope" (Docker's
 * systemd driver). The same names elsewhere in the tree are not Docker's.
 *
 * Each seq_file show() builds a whole document from a fresh walk, so when
 * seq_file re-runs show() with a larger buffer the reader still gets one
 * complete, valid document. A walk has two steps:
 *  1. under rcu_read_lock(), in batches: go over the processes, match their
 *     cgroup paths and take a reference on each container process
 *     (get_task_struct). Nothing under RCU sleeps or allocates; between two
 *     batches the walk leaves the read-side section, reschedules and grows
 *     its tables, holding a reference on the process it resumes from.
 *  2. with no lock held: per process, read what may sleep (its mm, its
 *     argument area, anonymous memory only), print it within the
 *     document's size bound, and drop the reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/highmem.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/cputime.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/version.h>

#if !IS_ENABLED(CONFIG_CGROUPS)
#error "corral_sysinfo finds containers through cgroups: CONFIG_CGROUPS is required"
#endif

#define CORRAL_SCHEMA		"corral.sysinfo/v1"
#define CORRAL_ID_LEN		64
/* Bytes of a process's argument area reported in "cmdline". */
#define CORRAL_CMDLINE_MAX	256
#define CORRAL_SUFFIX_MAX	32
#define CORRAL_PARENT_MAX	64
/* Walks restarted (the process a batch resumes from exited) before -EAGAIN. */
#define CORRAL_MAX_WALKS	8
/* Processes looked at under one rcu_read_lock() section. */
#define CORRAL_WALK_BATCH	256
/* Bounds of the max_bytes parameter. */
#define CORRAL_MIN_BYTES	(16U << 10)
#define CORRAL_MAX_BYTES	(256U << 20)

/*
 * The longest record one process can print, its separator included: fixed
 * keys and punctuation, 10 numbers of at most 20 digits, and name and cmdline
 * where every byte may take 6 (\u00XX). Checked at build time below.
 */
#define CORRAL_PROC_MAX		2048
#define CORRAL_PROC_WORST	(2 + 160 + 10 * 23 + \
				 2 + (TASK_COMM_LEN - 1) * 6 + \
				 2 + CORRAL_CMDLINE_MAX * 6)
/* A container's opening: separator, id, cgroup path, "processes":[ */
#define CORRAL_HEAD_MAX		(64 + CORRAL_ID_LEN + \
				 2 + CORRAL_PARENT_MAX + 1 + CORRAL_ID_LEN + 16)
/* A container's end at its longest: ],"processes_omitted":N} */
#define CORRAL_TAIL_MAX		(sizeof("],\"processes_omitted\":4294967295}") - 1)
/* The document's end at its longest: ],"containers_omitted":N}\n */
#define CORRAL_END_MAX		(sizeof("],\"containers_omitted\":4294967295}\n") - 1)

static char *suffix = "corral";
module_param(suffix, charp, 0444);
MODULE_PARM_DESC(suffix,
		 "the file is /proc/sysinfo_<suffix>; 1 to 32 of [A-Za-z0-9_-] (default: corral)");

static char *corral_cgroup_parent = "docker";
module_param_named(cgroup_parent, corral_cgroup_parent, charp, 0444);
MODULE_PARM_DESC(cgroup_parent,
		 "Docker's cgroup parent (cgroupfs driver): containers are /<cgroup_parent>/<id>; components of [A-Za-z0-9_.-] joined by /, at most 64 bytes (default: docker)");

static unsigned int max_bytes = 4U << 20;
module_param(max_bytes, uint, 0444);
MODULE_PARM_DESC(max_bytes,
		 "largest document in bytes, 16384 to 268435456; processes that do not fit are counted in processes_omitted (default: 4194304)");

static char corral_name[sizeof("sysinfo_") + CORRAL_SUFFIX_MAX];
/* "/<cgroup_parent>/", without repeated or trailing slashes */
static char corral_parent_prefix[CORRAL_PARENT_MAX + 3];
static size_t corral_parent_prefix_len;
static u32 corral_hash_seed;
static struct proc_dir_entry *corral_entry;

static const char corral_scope_prefix[] = "/system.slice/";
static const char corral_scope_head[] = "docker-";
static const char corral_scope_tail[] = ".scope";

/*
 * Sizes for the next read: what the last one needed (tables get a batch
 * more, the seq_file buffer a quarter more). A fresh module starts at zero,
 * so a first read of a large host grows its tables between batches and its
 * buffer through seq_file (the proof exercises both). Readers race on them
 * harmlessly.
 */
static unsigned int corral_hint_containers;
static unsigned int corral_hint_members;
static size_t corral_hint_bytes;

enum corral_driver {
	CORRAL_CGROUPFS,	/* /<cgroup_parent>/<id> */
	CORRAL_SYSTEMD,		/* /system.slice/docker-<id>.scope */
};

/* A container found in a walk. */
struct corral_container {
	char id[CORRAL_ID_LEN + 1];
	u8 driver;
	unsigned int first, nr;	/* its members, once sorted */
};

/* A container process found in a walk; holds a reference on @task. */
struct corral_member {
	struct task_struct *task;
	unsigned int container;	/* index into corral_walk.containers */
	pid_t pid;
};

/*
 * What one walk found. The tables always have room for one more batch
 * (CORRAL_WALK_BATCH processes), so nothing under RCU allocates. @slots is
 * an open-addressing hash of the containers by id: index + 1, 0 when free,
 * at most half full.
 */
struct corral_walk {
	struct corral_container *containers;
	unsigned int nr_containers, max_containers;
	u32 *slots;
	unsigned int slot_mask;
	struct corral_member *members;
	unsigned int nr_members, max_members;
	char *scratch;		/* PATH_MAX bytes for one cgroup path */
};

/* Everything printed for one process. */
struct corral_proc {
	pid_t ppid;
	char name[TASK_COMM_LEN];
	u8 cmdline[CORRAL_CMDLINE_MAX];
	size_t cmdline_len;
	u64 vsz_kb;
	u64 rss_kb;
	u64 cpu_time_ns;
	u64 start_time_ns;
};

/* Where a container shows in one cgroup path. */
struct corral_match {
	const char *id;		/* CORRAL_ID_LEN hex digits, not terminated */
	enum corral_driver driver;
};

/* A bounded text buffer; @overflow once something did not fit. */
struct corral_buf {
	char *s;
	size_t len, size;
	bool overflow;
};

/* ---- cgroup paths ---------------------------------------------------- */

static bool corral_is_id(const char *s, size_t len)
{
	size_t i;

	if (len != CORRAL_ID_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isdigit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

/* The component of @path at @pos: its length, up to the next '/' or the end. */
static size_t corral_component(const char *path, size_t len, size_t pos)
{
	size_t end = pos;

	while (end < len && path[end] != '/')
		end++;
	return end - pos;
}

/*
 * A container's cgroup, anchored where Docker creates them: the path starts
 * with "/<cgroup_parent>/<id>" or "/system.slice/docker-<id>.scope", and may
 * go on below it (a container's own sub-cgroups, Docker in Docker: the
 * outermost container is the one this host's Docker knows). A user-made
 * cgroup or scope that carries an id anywhere else is no container.
 */
static bool corral_parse_path(const char *path, size_t len,
			      struct corral_match *m)
{
	const size_t scope_len = sizeof(corral_scope_prefix) - 1;
	const size_t head = sizeof(corral_scope_head) - 1;
	const size_t tail = sizeof(corral_scope_tail) - 1;
	size_t pos, clen;

	pos = corral_parent_prefix_len;
	if (len > pos && !memcmp(path, corral_parent_prefix, pos)) {
		clen = corral_component(path, len, pos);
		if (corral_is_id(path + pos, clen)) {
			m->id = path + pos;
			m->driver = CORRAL_CGROUPFS;
			return true;
		}
	}

	pos = scope_len;
	if (len > pos && !memcmp(path, corral_scope_prefix, pos)) {
		const char *comp = path + pos;

		clen = corral_component(path, len, pos);
		if (clen == head + CORRAL_ID_LEN + tail &&
		    !memcmp(comp, corral_scope_head, head) &&
		    !memcmp(comp + head + CORRAL_ID_LEN, corral_scope_tail, tail) &&
		    corral_is_id(comp + head, CORRAL_ID_LEN)) {
			m->id = comp + head;
			m->driver = CORRAL_SYSTEMD;
			return true;
		}
	}
	return false;
}

/* Caller holds rcu_read_lock(), which keeps @cgrp and its kernfs node. */
static bool corral_match_cgroup(struct cgroup *cgrp, char *buf, size_t size,
				struct corral_match *m)
{
	int len;

	/* a root cgroup is no container: most host processes stop here */
	if (!cgrp || !cgroup_parent(cgrp))
		return false;
	/* kernfs_path takes a spinlock only: fine under RCU */
	len = cgroup_path(cgrp, buf, size);
	if (len < 0 || len >= size)
		return false;
	return corral_parse_path(buf, len, m);
}

/*
 * The cgroup v2 path first (v2 hosts, hybrid hosts), then the v1 memory
 * and cpuacct hierarchies that Docker's cgroupfs driver populates on v1
 * hosts. Caller holds rcu_read_lock().
 */
static bool corral_match_task(struct task_struct *p, char *buf, size_t size,
			      struct corral_match *m)
{
	if (corral_match_cgroup(task_dfl_cgroup(p), buf, size, m))
		return true;
#if IS_ENABLED(CONFIG_MEMCG)
	if (corral_match_cgroup(task_cgroup(p, memory_cgrp_id), buf, size, m))
		return true;
#endif
#if IS_ENABLED(CONFIG_CGROUP_CPUACCT)
	if (corral_match_cgroup(task_cgroup(p, cpuacct_cgrp_id), buf, size, m))
		return true;
#endif
	return false;
}

/* ---- the walk -------------------------------------------------------- */

static u32 corral_id_hash(const char *id)
{
	return jhash(id, CORRAL_ID_LEN, corral_hash_seed);
}

/* The container with this id, added when new. No allocation: runs under RCU. */
static unsigned int corral_container_of(struct corral_walk *w,
					const struct corral_match *m)
{
	unsigned int slot = corral_id_hash(m->id) & w->slot_mask;
	struct corral_container *c;
	unsigned int i;

	while (w->slots[slot]) {
		i = w->slots[slot] - 1;
		if (!memcmp(w->containers[i].id, m->id, CORRAL_ID_LEN))
			return i;
		slot = (slot + 1) & w->slot_mask;
	}
	/* corral_walk_reserve() left room for a whole batch */
	i = w->nr_containers++;
	c = &w->containers[i];
	memcpy(c->id, m->id, CORRAL_ID_LEN);
	c->id[CORRAL_ID_LEN] = '\0';
	c->driver = m->driver;
	c->first = 0;
	c->nr = 0;
	w->slots[slot] = i + 1;
	return i;
}

static void corral_put_members(struct corral_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_members; i++)
		put_task_struct(w->members[i].task);
	w->nr_members = 0;
}

static void corral_walk_reset(struct corral_walk *w)
{
	corral_put_members(w);
	w->nr_containers = 0;
	if (w->slots)
		memset(w->slots, 0, (w->slot_mask + 1) * sizeof(*w->slots));
}

/* Room for @members more members and @containers more containers. */
static int corral_walk_reserve(struct corral_walk *w, unsigned int members,
			       unsigned int containers)
{
	if (w->max_members - w->nr_members < members) {
		unsigned int want = max(w->max_members * 2,
					w->nr_members + members);
		struct corral_member *members;

		members = kvmalloc_array(want, sizeof(*members), GFP_KERNEL);
		if (!members)
			goto nomem;
		if (w->nr_members)
			memcpy(members, w->members,
			       w->nr_members * sizeof(*members));
		kvfree(w->members);
		w->members = members;
		w->max_members = want;
	}
	if (w->max_containers - w->nr_containers < containers) {
		unsigned int want = max(w->max_containers * 2,
					w->nr_containers + containers);
		unsigned int nslots = roundup_pow_of_two(2 * want);
		struct corral_container *containers;
		unsigned int i;
		u32 *slots;

		containers = kvmalloc_array(want, sizeof(*containers),
					    GFP_KERNEL);
		slots = kvcalloc(nslots, sizeof(*slots), GFP_KERNEL);
		if (!containers || !slots) {
			kvfree(containers);
			kvfree(slots);
			goto nomem;
		}
		if (w->nr_containers)
			memcpy(containers, w->containers,
			       w->nr_containers * sizeof(*containers));
		kvfree(w->containers);
		kvfree(w->slots);
		w->containers = containers;
		w->max_containers = want;
		w->slots = slots;
		w->slot_mask = nslots - 1;
		for (i = 0; i < w->nr_containers; i++) {
			unsigned int slot = corral_id_hash(containers[i].id) &
					    w->slot_mask;

			while (slots[slot])
				slot = (slot + 1) & w->slot_mask;
			slots[slot] = i + 1;
		}
	}
	return 0;
nomem:
	pr_err_ratelimited("cannot allocate tables for %u containers, %u processes\n",
			   w->nr_containers + containers, w->nr_members + members);
	return -ENOMEM;
}

/*
 * Between two batches: leaves the RCU read-side section to reschedule and
 * grow the tables, then comes back to @p. Returns with rcu_read_lock()
 * held: 0 when the walk can go on from @p, -EAGAIN when @p exited meanwhile
 * (it may be off the task list: the walk starts over), -ENOMEM.
 */
static int corral_walk_break(struct corral_walk *w, struct task_struct *p)
{
	bool alive;
	int err;

	get_task_struct(p);
	rcu_read_unlock();
	cond_resched();
	/* a batch adds at most CORRAL_WALK_BATCH of each */
	err = corral_walk_reserve(w, CORRAL_WALK_BATCH, CORRAL_WALK_BATCH);
	rcu_read_lock();
	/* still hashed: still on the task list, so its next pointer is good */
	alive = pid_alive(p);
	put_task_struct(p);
	if (err)
		return err;
	return alive ? 0 : -EAGAIN;
}

static int corral_walk_once(struct corral_walk *w)
{
	struct corral_match match;
	struct task_struct *p;
	unsigned int seen = 0;
	int err = 0;

	corral_walk_reset(w);
	err = corral_walk_reserve(w, CORRAL_WALK_BATCH, CORRAL_WALK_BATCH);
	if (err)
		return err;

	rcu_read_lock();
	for_each_process(p) {
		struct corral_member *mb;

		if (++seen % CORRAL_WALK_BATCH == 0) {
			err = corral_walk_break(w, p);
			if (err)
				break;
		}
		/* kernel threads; groups whose threads have all exited */
		if ((p->flags & PF_KTHREAD) || !atomic_read(&p->signal->live))
			continue;
		if (!corral_match_task(p, w->scratch, PATH_MAX, &match))
			continue;

		get_task_struct(p);
		mb = &w->members[w->nr_members++];
		mb->task = p;
		mb->container = corral_container_of(w, &match);
		mb->pid = task_tgid_nr(p);
	}
	rcu_read_unlock();
	return err;
}

static int corral_walk(struct corral_walk *w)
{
	int walks;
	int err;

	w->scratch = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!w->scratch) {
		pr_err_ratelimited("cannot allocate a cgroup path buffer\n");
		return -ENOMEM;
	}
	/* the last read's sizes and a batch: usually no growing at all */
	err = corral_walk_reserve(w,
				  READ_ONCE(corral_hint_members) + CORRAL_WALK_BATCH,
				  READ_ONCE(corral_hint_containers) + CORRAL_WALK_BATCH);
	if (err)
		return err;

	for (walks = 0; walks < CORRAL_MAX_WALKS; walks++) {
		err = corral_walk_once(w);
		if (err != -EAGAIN)
			break;
	}
	if (err == -EAGAIN)
		pr_err_ratelimited("processes kept exiting under the walk after %d tries\n",
				   walks);
	if (!err) {
		WRITE_ONCE(corral_hint_members, w->nr_members);
		WRITE_ONCE(corral_hint_containers, w->nr_containers);
	}
	return err;
}

static void corral_walk_free(struct corral_walk *w)
{
	if (w->members)
		corral_put_members(w);
	kvfree(w->containers);
	kvfree(w->slots);
	kvfree(w->members);
	kfree(w->scratch);
}

/* Containers by id, then processes by pid: a stable order for readers. */
static int corral_member_cmp(const void *a, const void *b, const void *priv)
{
	const struct corral_walk *w = priv;
	const struct corral_member *x = a, *y = b;
	int c;

	if (x->container != y->container) {
		c = memcmp(w->containers[x->container].id,
			   w->containers[y->container].id, CORRAL_ID_LEN);
		if (c)
			return c;
	}
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* ---- one process ----------------------------------------------------- */

/*
 * Lifetime CPU time of the whole thread group: its live threads plus what
 * its exited threads left in signal->sum_sched_runtime, as /proc/<pid>/stat
 * counts it. Caller holds rcu_read_lock(); nothing here sleeps.
 */
static u64 corral_cpu_time_ns(struct task_struct *p)
{
	struct task_struct *t;
	u64 total = READ_ONCE(p->signal->sum_sched_runtime);

	for_each_thread(p, t) {
		u64 ut, st;

		task_cputime_adjusted(t, &ut, &st);
		total += ut + st;
	}
	return total;
}

/*
 * Copies up to @len bytes at @addr of @mm, anonymous memory only, as the
 * kernel's own /proc/<pid>/cmdline reader does (FOLL_ANON, since
 * CVE-2018-1120): a page of a file mapped over the argument area is not
 * read, so a hung FUSE or NFS file cannot block the reader on its fault.
 * Works on the mm the caller holds, never on whatever the task has now.
 * Returns the bytes copied up to the first page that cannot be read.
 * Takes the mmap lock and may sleep: no locks held.
 */
static size_t corral_read_anon(struct mm_struct *mm, unsigned long addr,
			       u8 *buf, size_t len)
{
	size_t done = 0;

	if (mmap_read_lock_killable(mm))
		return 0;
	while (done < len) {
		unsigned long offset = (addr + done) & ~PAGE_MASK;
		size_t bytes = min_t(size_t, len - done, PAGE_SIZE - offset);
		struct page *page;
		void *kaddr;
		long got;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
		got = get_user_pages_remote(mm, addr + done, 1, FOLL_ANON,
					    &page, NULL);
#else
		got = get_user_pages_remote(mm, addr + done, 1, FOLL_ANON,
					    &page, NULL, NULL);
#endif
		if (got <= 0)
			break;
		kaddr = kmap_local_page(page);
		memcpy(buf + done, kaddr + offset, bytes);
		kunmap_local(kaddr);
		put_page(page);
		done += bytes;
	}
	mmap_read_unlock(mm);
	return done;
}

/*
 * The first CORRAL_CMDLINE_MAX bytes of the argument area with the
 * trailing NULs dropped and the NULs between arguments made spaces.
 */
static size_t corral_read_cmdline(struct mm_struct *mm, u8 *buf, size_t size)
{
	unsigned long start, end;
	size_t len, i;

	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (!start || end <= start)
		return 0;

	len = corral_read_anon(mm, start, buf,
			       min_t(unsigned long, end - start, size));
	while (len && !buf[len - 1])
		len--;
	for (i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	return len;
}

/*
 * A process whose mm is already gone (exiting, or a group leader that
 * exited before its threads) reads as zero memory and an empty cmdline,
 * as /proc/<pid>/status and /proc/<pid>/cmdline show it.
 */
static void corral_read_proc(struct task_struct *p, struct corral_proc *out)
{
	struct mm_struct *mm;

	memset(out, 0, sizeof(*out));

	rcu_read_lock();
	if (pid_alive(p))
		out->ppid = task_tgid_nr(rcu_dereference(p->real_parent));
	out->cpu_time_ns = corral_cpu_time_ns(p);
	rcu_read_unlock();

	get_task_comm(out->name, p);
	out->start_time_ns = p->start_boottime;

	mm = get_task_mm(p);
	if (!mm)
		return;
	out->vsz_kb = (u64)READ_ONCE(mm->total_vm) << (PAGE_SHIFT - 10);
	out->rss_kb = (u64)get_mm_rss(mm) << (PAGE_SHIFT - 10);
	out->cmdline_len = corral_read_cmdline(mm, out->cmdline,
					       sizeof(out->cmdline));
	mmput(mm);
}

/* ---- JSON output ----------------------------------------------------- */

static void corral_buf_write(struct corral_buf *b, const void *data, size_t n)
{
	if (b->overflow || b->size - b->len < n) {
		b->overflow = true;
		return;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
}

static void corral_buf_putc(struct corral_buf *b, char c)
{
	corral_buf_write(b, &c, 1);
}

static __printf(2, 3)
void corral_buf_printf(struct corral_buf *b, const char *fmt, ...)
{
	size_t room = b->size - b->len;
	va_list args;
	int n;

	if (b->overflow)
		return;
	va_start(args, fmt);
	n = vsnprintf(b->s + b->len, room, fmt, args);
	va_end(args);
	if (n < 0 || n >= room)
		b->overflow = true;
	else
		b->len += n;
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), or 0. */
static unsigned int corral_utf8_len(const u8 *s, size_t left)
{
	u8 lo = 0x80, hi = 0xbf;
	unsigned int n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* no overlong forms */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* no UTF-16 surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* no overlong forms */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string that is valid UTF-8 whatever the bytes: quote and
 * backslash escaped; control characters and DEL as \u00XX; well-formed
 * UTF-8 sequences as they are; every other byte (>= 0x80, not part of a
 * well-formed sequence) as \u00XX, i.e. read as Latin-1.
 */
static void corral_buf_json_string(struct corral_buf *b, const void *data,
				   size_t len)
{
	const u8 *s = data;
	size_t i = 0;

	corral_buf_putc(b, '"');
	while (i < len) {
		u8 c = s[i];
		unsigned int n;

		if (c == '"' || c == '\\') {
			corral_buf_putc(b, '\\');
			corral_buf_putc(b, c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			corral_buf_printf(b, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			corral_buf_putc(b, c);
			i++;
		} else if ((n = corral_utf8_len(s + i, len - i))) {
			corral_buf_write(b, s + i, n);
			i += n;
		} else {
			corral_buf_printf(b, "\\u%04x", c);
			i++;
		}
	}
	corral_buf_putc(b, '"');
}

/* @num / @den in hundredths of a percent, truncated; 0 when @den is 0. */
static u64 corral_percent_x100(u64 num, u64 den)
{
	if (!den)
		return 0;
	/* keeps the 128-bit quotient below 2^64; never true in practice */
	if (div64_u64(num, den) >= (1ULL << 40))
		return (1ULL << 40) * 10000;
	return mul_u64_u64_div_u64(num, 10000, den);
}

/* One process's record, after @sep (",\n" or ""). */
static void corral_format_process(struct corral_buf *b, const char *sep,
				  pid_t pid, const struct corral_proc *p,
				  u64 total_kb, u64 now_boot_ns)
{
	u64 mem = corral_percent_x100(p->rss_kb, total_kb);
	u64 alive = now_boot_ns > p->start_time_ns ?
		    now_boot_ns - p->start_time_ns : 0;
	u64 cpu = corral_percent_x100(p->cpu_time_ns, alive);

	corral_buf_printf(b, "%s{\"pid\":%d,\"ppid\":%d,\"name\":", sep, pid,
			  p->ppid);
	corral_buf_json_string(b, p->name, strnlen(p->name, sizeof(p->name)));
	corral_buf_printf(b, ",\"cmdline\":");
	corral_buf_json_string(b, p->cmdline, p->cmdline_len);
	corral_buf_printf(b, ",\"vsz_kb\":%llu,\"rss_kb\":%llu,\"mem_percent\":%llu.%02llu",
			  p->vsz_kb, p->rss_kb, div_u64(mem, 100), mem % 100);
	corral_buf_printf(b, ",\"cpu_time_ns\":%llu,\"start_time_ns\":%llu,\"cpu_percent\":%llu.%02llu}",
			  p->cpu_time_ns, p->start_time_ns, div_u64(cpu, 100),
			  cpu % 100);
}

/* A container's opening, after @sep ("," or ""). */
static void corral_format_head(struct corral_buf *b, const char *sep,
			       const struct corral_container *c)
{
	corral_buf_printf(b, "%s\n{\"id\":\"%s\",\"cgroup\":\"", sep, c->id);
	if (c->driver == CORRAL_SYSTEMD)
		corral_buf_printf(b, "%s%s%s%s", corral_scope_prefix,
				  corral_scope_head, c->id, corral_scope_tail);
	else
		corral_buf_printf(b, "%s%s", corral_parent_prefix, c->id);
	corral_buf_printf(b, "\",\"processes\":[\n");
}

/* A container's opening, its longest record and its longest end. */
static size_t corral_reserve(const struct corral_container *c, char *tmp)
{
	struct corral_buf b = { .s = tmp, .size = CORRAL_HEAD_MAX };

	corral_format_head(&b, ",", c);
	return b.len + CORRAL_PROC_MAX + CORRAL_TAIL_MAX;
}

/*
 * The document, at most max_bytes long. The containers (by id) that fit
 * with room for one process each are planned; the rest are counted in
 * "containers_omitted". Each planned container lists its processes (by pid)
 * while they fit with the room the containers after it keep; those that do
 * not are counted in its "processes_omitted".
 */
static int corral_show(struct seq_file *m, void *v)
{
	const size_t limit = READ_ONCE(max_bytes);
	struct corral_walk w = {};
	struct corral_proc *proc = NULL;
	unsigned int *order = NULL;
	char *rec = NULL, *head = NULL;
	unsigned int i, k, nr_order = 0, planned;
	u64 now_real_ns, now_boot_ns, total_kb, avail_kb;
	size_t later = 0;
	struct sysinfo si;
	int err;

	proc = kmalloc(sizeof(*proc), GFP_KERNEL);
	rec = kmalloc(CORRAL_PROC_MAX, GFP_KERNEL);
	head = kmalloc(CORRAL_HEAD_MAX, GFP_KERNEL);
	if (!proc || !rec || !head) {
		pr_err_ratelimited("cannot allocate a process record\n");
		err = -ENOMEM;
		goto out;
	}
	err = corral_walk(&w);
	if (err)
		goto out;
	sort_r(w.members, w.nr_members, sizeof(*w.members), corral_member_cmp,
	       NULL, &w);

	/* the containers in id order, each with its run of members */
	order = kvmalloc_array(max(w.nr_containers, 1U), sizeof(*order),
			       GFP_KERNEL);
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w.nr_members; i++) {
		struct corral_container *c = &w.containers[w.members[i].container];

		if (!i || w.members[i - 1].container != w.members[i].container) {
			order[nr_order++] = w.members[i].container;
			c->first = i;
		}
		c->nr++;
	}

	/* after the walk: every process found started before boot_ns */
	now_real_ns = ktime_get_real_ns();
	now_boot_ns = ktime_get_boottime_ns();
	si_meminfo(&si);
	total_kb = (u64)si.totalram << (PAGE_SHIFT - 10);
	avail_kb = (u64)si_mem_available() << (PAGE_SHIFT - 10);
	if (avail_kb > total_kb)
		avail_kb = total_kb;

	seq_printf(m, "{\"schema\":\"%s\",\"source\":\"kernel\",\"taken_at_ns\":%llu,\"boot_ns\":%llu,\n",
		   CORRAL_SCHEMA, now_real_ns, now_boot_ns);
	seq_printf(m, "\"memory\":{\"total_kb\":%llu,\"free_kb\":%llu,\"available_kb\":%llu,\"used_kb\":%llu},\n",
		   total_kb, (u64)si.freeram << (PAGE_SHIFT - 10), avail_kb,
		   total_kb - avail_kb);
	seq_puts(m, "\"containers\":[");

	for (planned = 0; planned < nr_order; planned++) {
		size_t r = corral_reserve(&w.containers[order[planned]], head);

		if (m->count + later + r + CORRAL_END_MAX > limit)
			break;
		later += r;
	}

	for (k = 0; k < planned; k++) {
		const struct corral_container *c = &w.containers[order[k]];
		struct corral_buf b = { .s = head, .size = CORRAL_HEAD_MAX };
		unsigned int omitted = 0;

		/* from here on, only the containers after this one keep room */
		later -= corral_reserve(c, head);
		corral_format_head(&b, k ? "," : "", c);
		if (WARN_ON_ONCE(b.overflow)) {
			err = -EOVERFLOW;
			goto out;
		}
		seq_write(m, b.s, b.len);

		for (i = c->first; i < c->first + c->nr; i++) {
			const struct corral_member *mb = &w.members[i];

			cond_resched();
			/* seq_file will run show() again with a larger buffer */
			if (seq_has_overflowed(m))
				goto out;
			if (omitted) {
				omitted++;
				continue;
			}
			corral_read_proc(mb->task, proc);
			b = (struct corral_buf){ .s = rec, .size = CORRAL_PROC_MAX };
			corral_format_process(&b, i == c->first ? "" : ",\n",
					      mb->pid, proc, total_kb,
					      now_boot_ns);
			if (WARN_ON_ONCE(b.overflow)) {
				err = -EOVERFLOW;
				goto out;
			}
			/* the first always fits: the plan kept room for it */
			if (i != c->first &&
			    m->count + b.len + CORRAL_TAIL_MAX + later +
			    CORRAL_END_MAX > limit) {
				omitted++;
				continue;
			}
			seq_write(m, b.s, b.len);
		}
		if (omitted)
			seq_printf(m, "],\"processes_omitted\":%u}", omitted);
		else
			seq_puts(m, "]}");
	}
	seq_putc(m, ']');
	if (nr_order > planned)
		seq_printf(m, ",\"containers_omitted\":%u", nr_order - planned);
	seq_puts(m, "}\n");
	if (!seq_has_overflowed(m))
		WRITE_ONCE(corral_hint_bytes, m->count);
out:
	corral_walk_free(&w);
	kvfree(order);
	kfree(head);
	kfree(rec);
	kfree(proc);
	return err;
}

/*
 * Only a reader in the initial PID namespace with CAP_SYS_ADMIN in the
 * initial user namespace: the file shows in every procfs mount, a
 * container's too, and the mode (0400, root) alone lets any root through.
 */
static int corral_open(struct inode *inode, struct file *file)
{
	size_t limit = READ_ONCE(max_bytes);
	size_t size = READ_ONCE(corral_hint_bytes);

	if (task_active_pid_ns(current) != &init_pid_ns)
		return -EPERM;
	if (!ns_capable(&init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	/* the last document's size with headroom: one show() as a rule */
	size = clamp_t(size_t, size + size / 4 + PAGE_SIZE, PAGE_SIZE,
		       limit + PAGE_SIZE);
	return single_open_size(file, corral_show, NULL, size);
}

static const struct proc_ops corral_proc_ops = {
	.proc_open	= corral_open,
	.proc_read_iter	= seq_read_iter,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

/* ---- module ---------------------------------------------------------- */

static bool corral_suffix_valid(const char *s)
{
	size_t i, len;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 1 || len > CORRAL_SUFFIX_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * Docker's --cgroup-parent: one or more components of [A-Za-z0-9_.-]
 * joined by '/', not "." or "..", at most CORRAL_PARENT_MAX bytes; a
 * leading and a trailing '/' are allowed. Sets corral_parent_prefix to
 * "/<parent>/".
 */
static bool corral_parent_valid(const char *s)
{
	size_t i, len, comp = 0;
	char *out = corral_parent_prefix;

	if (!s)
		return false;
	len = strlen(s);
	if (len && s[0] == '/')
		s++, len--;
	if (len && s[len - 1] == '/')
		len--;
	if (len < 1 || len > CORRAL_PARENT_MAX)
		return false;
	*out++ = '/';
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '/') {
			if (!comp || (comp == 1 && s[i - 1] == '.') ||
			    (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return false;
			comp = 0;
			*out++ = '/';
			continue;
		}
		if (!isalnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
		comp++;
		*out++ = s[i];
	}
	*out = '\0';
	corral_parent_prefix_len = out - corral_parent_prefix;
	return true;
}

static int __init corral_init(void)
{
	BUILD_BUG_ON(CORRAL_PROC_WORST > CORRAL_PROC_MAX);

	if (!corral_suffix_valid(suffix)) {
		pr_err("invalid suffix \"%s\": use 1 to %d of [A-Za-z0-9_-]\n",
		       suffix ? suffix : "", CORRAL_SUFFIX_MAX);
		return -EINVAL;
	}
	if (!corral_parent_valid(corral_cgroup_parent)) {
		pr_err("invalid cgroup_parent \"%s\": use components of [A-Za-z0-9_.-] joined by /, at most %d bytes\n",
		       corral_cgroup_parent ? corral_cgroup_parent : "",
		       CORRAL_PARENT_MAX);
		return -EINVAL;
	}
	if (max_bytes < CORRAL_MIN_BYTES || max_bytes > CORRAL_MAX_BYTES) {
		pr_err("invalid max_bytes %u: use %u to %u\n", max_bytes,
		       CORRAL_MIN_BYTES, CORRAL_MAX_BYTES);
		return -EINVAL;
	}
	snprintf(corral_name, sizeof(corral_name), "sysinfo_%s", suffix);
	corral_hash_seed = get_random_u32();

	corral_entry = proc_create(corral_name, 0400, NULL, &corral_proc_ops);
	if (!corral_entry) {
		pr_err("cannot create /proc/%s\n", corral_name);
		return -ENOMEM;
	}
	pr_info("serving /proc/%s (containers under %s and %s, documents up to %u bytes)\n",
		corral_name, corral_parent_prefix, corral_scope_prefix,
		max_bytes);
	return 0;
}

static void __exit corral_exit(void)
{
	/* waits for readers inside show() and closes files still open */
	proc_remove(corral_entry);
	pr_info("removed /proc/%s\n", corral_name);
}

module_init(corral_init);
module_exit(corral_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("Corral");
MODULE_DESCRIPTION("corral.sysinfo/v1: host memory and Docker containers' processes in /proc");
MODULE_VERSION("1.0.0");
