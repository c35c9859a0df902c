// SPDX-License-Identifier: GPL-2.0
/*
 * corral_sysinfo - /proc/sysinfo_<suffix>, the corral.sysinfo/v1 document.
 *
 * One read returns the host's memory totals and every Docker container on
 * the host with all of its processes, as JSON (see
 * schemas/corral.sysinfo.v1.schema.json and kernel-module/README.md).
 *
 * A process belongs to a container by the cgroup it is in, never by its
 * name: one of its cgroup paths (the cgroup v2 one, or the v1 memory or
 * cpuacct one) holds a component pair "docker/<64 hex>" (Docker's cgroupfs
 * driver) or a component "docker-<64 hex>.scope" (Docker's systemd driver).
 *
 * Each seq_file show() builds a whole document from a fresh walk, so when
 * seq_file re-runs show() with a larger buffer the reader still gets one
 * complete, valid document. A walk has two steps:
 *  1. under rcu_read_lock(): go over the processes, match their cgroup
 *     paths and take a reference on each container process
 *     (get_task_struct). Nothing in this step sleeps or allocates; when the
 *     preallocated tables are too small the step is redone with larger ones.
 *  2. with no lock held: per process, read what may sleep (its mm, its
 *     argument area through access_process_vm), print it, and drop the
 *     reference.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/proc_fs.h>
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

#if !IS_ENABLED(CONFIG_CGROUPS)
#error "corral_sysinfo finds containers through cgroups: CONFIG_CGROUPS is required"
#endif

#define CORRAL_SCHEMA		"corral.sysinfo/v1"
#define CORRAL_ID_LEN		64
/* Bytes of a process's argument area reported in "cmdline". */
#define CORRAL_CMDLINE_MAX	256
#define CORRAL_SUFFIX_MAX	32
/* Walks redone with larger tables before a read gives up with -EAGAIN. */
#define CORRAL_MAX_WALKS	8

static char *suffix = "corral";
module_param(suffix, charp, 0444);
MODULE_PARM_DESC(suffix,
		 "the file is /proc/sysinfo_<suffix>; 1 to 32 of [A-Za-z0-9_-] (default: corral)");

static char corral_name[sizeof("sysinfo_") + CORRAL_SUFFIX_MAX];
static struct proc_dir_entry *corral_entry;

/*
 * Table sizes for the next walk: what the last one needed, with headroom.
 * They start small, so the first read after loading grows its tables (and
 * the proof exercises that path). Readers race on them harmlessly.
 */
static unsigned int corral_hint_containers = 4;
static unsigned int corral_hint_members = 16;
static size_t corral_hint_paths = 512;

/* A container found in a walk. */
struct corral_container {
	char id[CORRAL_ID_LEN + 1];
	const char *cgroup;	/* NUL-terminated, in corral_walk.paths */
};

/* A container process found in a walk; holds a reference on @task. */
struct corral_member {
	struct task_struct *task;
	const struct corral_container *container;
	pid_t pid;
};

/*
 * What one walk found. The tables are allocated before the walk (which
 * runs under RCU and cannot allocate); the want_* counters say how large
 * they must be when a walk ran out of room.
 */
struct corral_walk {
	struct corral_container *containers;
	unsigned int nr_containers, max_containers, want_containers;
	struct corral_member *members;
	unsigned int nr_members, max_members, want_members;
	char *paths;
	size_t paths_used, paths_size, want_paths;
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
	const char *path;
	size_t len;		/* of the path up to the container's cgroup */
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

/*
 * Finds the outermost container in a cgroup path: a component pair
 * "docker/<id>" or a component "docker-<id>.scope". The outermost one is
 * the container Docker on this host knows; cgroups nested below it (a
 * container's own sub-cgroups, Docker in Docker) stay in that container.
 */
static bool corral_parse_path(const char *path, size_t len,
			      struct corral_match *m)
{
	static const char scope_head[] = "docker-";
	static const char scope_tail[] = ".scope";
	const size_t head = sizeof(scope_head) - 1;
	const size_t tail = sizeof(scope_tail) - 1;
	const char *prev = NULL;
	size_t prev_len = 0;
	size_t i = 0;

	while (i < len) {
		const char *comp;
		size_t start, clen;

		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		clen = i - start;
		if (!clen)
			break;
		comp = path + start;

		if (prev && prev_len == 6 && !memcmp(prev, "docker", 6) &&
		    corral_is_id(comp, clen)) {
			m->id = comp;
			goto found;
		}
		if (clen == head + CORRAL_ID_LEN + tail &&
		    !memcmp(comp, scope_head, head) &&
		    !memcmp(comp + head + CORRAL_ID_LEN, scope_tail, tail) &&
		    corral_is_id(comp + head, CORRAL_ID_LEN)) {
			m->id = comp + head;
			goto found;
		}
		prev = comp;
		prev_len = clen;
	}
	return false;

found:
	m->path = path;
	m->len = i;
	return true;
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

static struct corral_container *corral_find_container(struct corral_walk *w,
						      const char *id)
{
	unsigned int i;

	for (i = 0; i < w->nr_containers; i++)
		if (!memcmp(w->containers[i].id, id, CORRAL_ID_LEN))
			return &w->containers[i];
	return NULL;
}

/* Returns NULL when the tables are full. No allocation: runs under RCU. */
static struct corral_container *corral_add_container(struct corral_walk *w,
						     const struct corral_match *m)
{
	struct corral_container *c;
	char *path;

	w->want_containers++;
	w->want_paths += m->len + 1;
	if (w->nr_containers == w->max_containers ||
	    w->paths_size - w->paths_used < m->len + 1)
		return NULL;

	path = w->paths + w->paths_used;
	memcpy(path, m->path, m->len);
	path[m->len] = '\0';
	w->paths_used += m->len + 1;

	c = &w->containers[w->nr_containers++];
	memcpy(c->id, m->id, CORRAL_ID_LEN);
	c->id[CORRAL_ID_LEN] = '\0';
	c->cgroup = path;
	return c;
}

static void corral_put_members(struct corral_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_members; i++)
		put_task_struct(w->members[i].task);
	w->nr_members = 0;
}

/* Returns false when the tables were too small for what it found. */
static bool corral_walk_once(struct corral_walk *w)
{
	struct corral_match match;
	struct task_struct *p;
	bool complete = true;

	w->nr_containers = 0;
	w->nr_members = 0;
	w->paths_used = 0;
	w->want_containers = 0;
	w->want_members = 0;
	w->want_paths = 0;

	rcu_read_lock();
	for_each_process(p) {
		struct corral_container *c;

		/* kernel threads; groups whose threads have all exited */
		if ((p->flags & PF_KTHREAD) || !atomic_read(&p->signal->live))
			continue;
		if (!corral_match_task(p, w->scratch, PATH_MAX, &match))
			continue;

		w->want_members++;
		c = corral_find_container(w, match.id);
		if (!c)
			c = corral_add_container(w, &match);
		if (!c || w->nr_members == w->max_members) {
			complete = false;
			continue;
		}
		get_task_struct(p);
		w->members[w->nr_members].task = p;
		w->members[w->nr_members].container = c;
		w->members[w->nr_members].pid = task_tgid_nr(p);
		w->nr_members++;
	}
	rcu_read_unlock();
	return complete;
}

static int corral_walk_alloc(struct corral_walk *w, unsigned int containers,
			     unsigned int members, size_t paths)
{
	kvfree(w->containers);
	kvfree(w->members);
	kvfree(w->paths);
	w->containers = kvmalloc_array(containers, sizeof(*w->containers),
				       GFP_KERNEL);
	w->members = kvmalloc_array(members, sizeof(*w->members), GFP_KERNEL);
	w->paths = kvmalloc(paths, GFP_KERNEL);
	if (!w->containers || !w->members || !w->paths) {
		pr_err_ratelimited("cannot allocate tables for %u containers, %u processes\n",
				   containers, members);
		return -ENOMEM;
	}
	w->max_containers = containers;
	w->max_members = members;
	w->paths_size = paths;
	return 0;
}

static void corral_walk_free(struct corral_walk *w)
{
	if (w->members)
		corral_put_members(w);
	kvfree(w->containers);
	kvfree(w->members);
	kvfree(w->paths);
	kfree(w->scratch);
}

/* Headroom for processes that start between two walks. */
static unsigned int corral_grown(unsigned int want)
{
	return want + want / 2 + 4;
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
	err = corral_walk_alloc(w, READ_ONCE(corral_hint_containers),
				READ_ONCE(corral_hint_members),
				READ_ONCE(corral_hint_paths));
	if (err)
		return err;

	for (walks = 0; walks < CORRAL_MAX_WALKS; walks++) {
		bool complete = corral_walk_once(w);
		unsigned int containers = corral_grown(w->want_containers);
		unsigned int members = corral_grown(w->want_members);
		size_t paths = w->want_paths + w->want_paths / 2 + 512;

		WRITE_ONCE(corral_hint_containers, containers);
		WRITE_ONCE(corral_hint_members, members);
		WRITE_ONCE(corral_hint_paths, paths);
		if (complete)
			return 0;
		corral_put_members(w);
		err = corral_walk_alloc(w, containers, members, paths);
		if (err)
			return err;
	}
	pr_err_ratelimited("process table kept outgrowing the walk after %d tries\n",
			   walks);
	return -EAGAIN;
}

/* Containers by id, then processes by pid: a stable order for readers. */
static int corral_member_cmp(const void *a, const void *b)
{
	const struct corral_member *x = a, *y = b;
	int c = strcmp(x->container->id, y->container->id);

	if (c)
		return c;
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
 * The first CORRAL_CMDLINE_MAX bytes of the argument area with the
 * trailing NULs dropped and the NULs between arguments made spaces.
 * access_process_vm() takes the mmap lock and may sleep: no locks held.
 */
static size_t corral_read_cmdline(struct task_struct *p, struct mm_struct *mm,
				  u8 *buf, size_t size)
{
	unsigned long start, end;
	size_t len, i;
	int got;

	spin_lock(&mm->arg_lock);
	start = mm->arg_start;
	end = mm->arg_end;
	spin_unlock(&mm->arg_lock);
	if (!start || end <= start)
		return 0;

	len = min_t(unsigned long, end - start, size);
	got = access_process_vm(p, start, buf, len, 0);
	if (got <= 0)
		return 0;

	len = got;
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
	out->cmdline_len = corral_read_cmdline(p, mm, out->cmdline,
					       sizeof(out->cmdline));
	mmput(mm);
}

/* ---- JSON output ----------------------------------------------------- */

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
static void corral_seq_json_string(struct seq_file *m, const void *data,
				   size_t len)
{
	const u8 *s = data;
	size_t i = 0;

	seq_putc(m, '"');
	while (i < len) {
		u8 c = s[i];
		unsigned int n;

		if (c == '"' || c == '\\') {
			seq_putc(m, '\\');
			seq_putc(m, c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			seq_printf(m, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			seq_putc(m, c);
			i++;
		} else if ((n = corral_utf8_len(s + i, len - i))) {
			seq_write(m, s + i, n);
			i += n;
		} else {
			seq_printf(m, "\\u%04x", c);
			i++;
		}
	}
	seq_putc(m, '"');
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

static void corral_seq_process(struct seq_file *m, pid_t pid,
			       const struct corral_proc *p, u64 total_kb,
			       u64 now_boot_ns)
{
	u64 mem = corral_percent_x100(p->rss_kb, total_kb);
	u64 alive = now_boot_ns > p->start_time_ns ?
		    now_boot_ns - p->start_time_ns : 0;
	u64 cpu = corral_percent_x100(p->cpu_time_ns, alive);

	seq_printf(m, "{\"pid\":%d,\"ppid\":%d,\"name\":", pid, p->ppid);
	corral_seq_json_string(m, p->name, strnlen(p->name, sizeof(p->name)));
	seq_puts(m, ",\"cmdline\":");
	corral_seq_json_string(m, p->cmdline, p->cmdline_len);
	seq_printf(m, ",\"vsz_kb\":%llu,\"rss_kb\":%llu,\"mem_percent\":%llu.%02llu",
		   p->vsz_kb, p->rss_kb, div_u64(mem, 100), mem % 100);
	seq_printf(m, ",\"cpu_time_ns\":%llu,\"start_time_ns\":%llu,\"cpu_percent\":%llu.%02llu}",
		   p->cpu_time_ns, p->start_time_ns, div_u64(cpu, 100),
		   cpu % 100);
}

static int corral_show(struct seq_file *m, void *v)
{
	struct corral_walk w = {};
	struct corral_proc *proc;
	struct sysinfo si;
	u64 now_real_ns, now_boot_ns, total_kb, avail_kb;
	unsigned int i;
	int err;

	proc = kmalloc(sizeof(*proc), GFP_KERNEL);
	if (!proc) {
		pr_err_ratelimited("cannot allocate a process record\n");
		err = -ENOMEM;
		goto out;
	}
	err = corral_walk(&w);
	if (err)
		goto out;
	sort(w.members, w.nr_members, sizeof(*w.members), corral_member_cmp,
	     NULL);

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

	for (i = 0; i < w.nr_members; i++) {
		const struct corral_member *mb = &w.members[i];
		const struct corral_container *c = mb->container;

		if (i == 0 || w.members[i - 1].container != c) {
			seq_printf(m, "%s\n{\"id\":\"%s\",\"cgroup\":",
				   i ? "]}," : "", c->id);
			corral_seq_json_string(m, c->cgroup, strlen(c->cgroup));
			seq_puts(m, ",\"processes\":[\n");
		} else {
			seq_puts(m, ",\n");
		}
		corral_read_proc(mb->task, proc);
		corral_seq_process(m, mb->pid, proc, total_kb, now_boot_ns);
		/* seq_file will run show() again with a larger buffer */
		if (seq_has_overflowed(m))
			goto out;
	}
	if (w.nr_members)
		seq_puts(m, "]}");
	seq_puts(m, "]}\n");
out:
	corral_walk_free(&w);
	kfree(proc);
	return err;
}

static int corral_open(struct inode *inode, struct file *file)
{
	return single_open(file, corral_show, NULL);
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

static int __init corral_init(void)
{
	if (!corral_suffix_valid(suffix)) {
		pr_err("invalid suffix \"%s\": use 1 to %d of [A-Za-z0-9_-]\n",
		       suffix ? suffix : "", CORRAL_SUFFIX_MAX);
		return -EINVAL;
	}
	snprintf(corral_name, sizeof(corral_name), "sysinfo_%s", suffix);

	corral_entry = proc_create(corral_name, 0444, NULL, &corral_proc_ops);
	if (!corral_entry) {
		pr_err("cannot create /proc/%s\n", corral_name);
		return -ENOMEM;
	}
	pr_info("serving /proc/%s\n", corral_name);
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
