/* What is running in a container (ps), what it uses (stats), and signalling all of it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include "agent.h"

static int same_pidns(pid_t pid, ino_t ns) {
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
    return stat(path, &st) == 0 && st.st_ino == ns;
}

static int container_ns(struct container *c, ino_t *ns) {
    char path[64];
    struct stat st;
    if (!c->init || c->init->exited) return -1;
    snprintf(path, sizeof path, "/proc/%d/ns/pid", c->init->pid);
    if (stat(path, &st) < 0) return -1;
    *ns = st.st_ino;
    return 0;
}

static long status_field(const char *text, const char *name, int last) {
    const char *p = strstr(text, name);
    if (!p) return -1;
    p += strlen(name);
    char *end;
    long v = strtol(p, &end, 10);
    if (last) {
        /* NSpid lists one pid per namespace level; the innermost is the container's. */
        while (*end == '\t' || *end == ' ') {
            char *next;
            long w = strtol(end, &next, 10);
            if (next == end) break;
            v = w;
            end = next;
        }
    }
    return v;
}

static ssize_t read_text(const char *path, char *buf, size_t len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = 0;
    return n;
}

/* A container that shares another's pid namespace (a pod's, join.pid): its processes are those of its
 * cgroup, as runc finds them when the pid namespace is not the container's own; without a cgroup (host
 * mode), its first process alone. */
static int cgroup_pids(struct container *c, pid_t *out, int max) {
    char path[1100];
    snprintf(path, sizeof path, "%s/cgroup.procs", c->cgroup);
    /* Read whether or not its first process has ended: what it left behind (delete) is still the container's. */
    FILE *f = c->cgroup[0] ? fopen(path, "re") : NULL;
    if (!f) {
        if (!c->init || c->init->exited || max < 1) return 0;
        out[0] = c->init->pid;
        return 1;
    }
    int n = 0, pid;
    while (n < max && fscanf(f, "%d", &pid) == 1) out[n++] = pid;
    fclose(f);
    return n;
}

/* Pids in the container's pid namespace, its init (the workload) first among them. */
static int list_pids(struct container *c, pid_t *out, int max) {
    if (c->shares_pidns) return cgroup_pids(c, out, max);
    ino_t ns;
    if (container_ns(c, &ns) < 0) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0) continue;
        if (same_pidns(pid, ns)) out[n++] = pid;
    }
    closedir(d);
    return n;
}

json_t *do_ps(struct container *c) {
    json_t *list = json_array();
    pid_t pids[4096];
    int n = list_pids(c, pids, 4096);
    for (int i = 0; i < n; i++) {
        char path[64], status[4096], cmd[4096];
        snprintf(path, sizeof path, "/proc/%d/status", pids[i]);
        if (read_text(path, status, sizeof status) < 0) continue;
        snprintf(path, sizeof path, "/proc/%d/cmdline", pids[i]);
        ssize_t len = read_text(path, cmd, sizeof cmd);
        if (len > 0) {
            for (ssize_t k = 0; k < len - 1; k++)
                if (cmd[k] == 0) cmd[k] = ' ';
        } else {
            const char *name = strstr(status, "Name:\t");
            char comm[64] = "?";
            if (name) sscanf(name + 6, "%63s", comm);
            snprintf(cmd, sizeof cmd, "[%s]", comm);
        }
        long ppid = status_field(status, "PPid:\t", 0);
        if (pids[i] == c->init->pid) ppid = 0; /* its parent, the agent, is outside the namespace */
        json_array_append_new(list, json_pack("{s:i,s:i,s:i,s:i,s:s}", "pid", pids[i], "ppid", (int)ppid, "uid",
                                              (int)status_field(status, "Uid:\t", 0), "nspid",
                                              (int)status_field(status, "NSpid:\t", 1), "cmd", cmd));
    }
    return json_pack("{s:o}", "processes", list);
}

int signal_all(struct container *c, int sig) {
    pid_t pids[4096];
    int n = list_pids(c, pids, 4096);
    for (int i = 0; i < n; i++) kill(pids[i], sig);
    return 0;
}

static long long read_number(const char *dir, const char *file) {
    char path[1100], text[64];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    /* A file missing means its controller is not enabled there: nothing counted, no limit. */
    if (read_text(path, text, sizeof text) < 0) return 0;
    if (strncmp(text, "max", 3) == 0) return 0;
    return atoll(text);
}

long long container_oom_kills(struct container *c) {
    char path[PATH_MAX], text[4096];
    if (!c->cgroup[0]) return -1;
    snprintf(path, sizeof path, "%s/memory.events", c->cgroup);
    if (read_text(path, text, sizeof text) <= 0) return -1;
    char *p = strstr(text, "oom_kill ");
    return p ? atoll(p + 9) : 0;
}

json_t *do_stats(struct container *c, char *err, size_t errlen) {
    if (!c->cgroup[0]) {
        fail_code(AE_ENOTSUP);
        snprintf(err, errlen, "container '%s' has no cgroup (host mode without --cgroup-root)", c->id);
        return NULL;
    }
    char path[1100], text[2048];
    snprintf(path, sizeof path, "%s/cpu.stat", c->cgroup);
    long long usage = 0, user = 0, sys = 0;
    if (read_text(path, text, sizeof text) > 0) {
        char *p;
        if ((p = strstr(text, "usage_usec "))) usage = atoll(p + 11);
        if ((p = strstr(text, "user_usec "))) user = atoll(p + 10);
        if ((p = strstr(text, "system_usec "))) sys = atoll(p + 12);
    }
    /* The OOM kills in the cgroup (and below it) so far: the host sees no OOM of the guest's in its own
     * cgroup, so `hull events` learns them here (runc's "oom" event). */
    long long oom_kills = container_oom_kills(c);
    if (oom_kills < 0) oom_kills = 0;
    return json_pack("{s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},s:{s:I,s:I}}", "cpu", "usageUsec", usage, "userUsec", user,
                     "systemUsec", sys, "memory", "usage", read_number(c->cgroup, "memory.current"), "limit",
                     read_number(c->cgroup, "memory.max"), "oomKills", oom_kills, "pids", "current",
                     read_number(c->cgroup, "pids.current"), "limit", read_number(c->cgroup, "pids.max"));
}

/* Writes one cgroup file. A file that is not there means this kernel (or this cgroup) has no such
 * controller: skipped with a debug line unless `strict` (a file the request named itself). */
static int write_limit(const char *dir, const char *file, const char *value, int strict, char *err, size_t errlen) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, value, strlen(value));
    int saved = errno;
    if (fd >= 0) close(fd);
    if (n == (ssize_t)strlen(value)) return 0;
    if (fd < 0 && saved == ENOENT && !strict) {
        debugmsg("cgroup: no %s here, %s not applied", file, value);
        return 0;
    }
    snprintf(err, errlen, "write %s to %s: %s", value, path, strerror(saved));
    return -1;
}

/* Controllers must be on in the parent's cgroup.subtree_control for the container's cgroup to have their
 * files; one this kernel lacks is left out (its limits are then skipped). */
static void enable_controllers(const char *cgroup) {
    static const char *const CONTROLLERS[] = {"+cpu", "+memory", "+pids", "+cpuset", "+hugetlb", "+io"};
    char parent[1100];
    snprintf(parent, sizeof parent, "%s", cgroup);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) return;
    snprintf(slash, sizeof parent - (size_t)(slash - parent), "/cgroup.subtree_control");
    for (size_t i = 0; i < sizeof CONTROLLERS / sizeof CONTROLLERS[0]; i++) {
        int fd = open(parent, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, CONTROLLERS[i], strlen(CONTROLLERS[i])) < 0)
            debugmsg("cgroup: %s in %s: %s", CONTROLLERS[i], parent, strerror(errno));
        if (fd >= 0) close(fd);
    }
}

/* An OCI limit where 0 or less means none. */
static void limit_text(char *v, size_t len, json_int_t n) {
    if (n > 0) snprintf(v, len, "%lld", (long long)n);
    else snprintf(v, len, "max");
}

static int apply_memory(const char *cg, json_t *mem, char *err, size_t errlen) {
    char v[64];
    json_t *limit = json_object_get(mem, "limit"), *res = json_object_get(mem, "reservation");
    json_t *swap = json_object_get(mem, "swap");
    /* runc's rule: a limit of 0 is unset (docker's update sends 0 for what it leaves alone), below 0 none. */
    if (json_is_integer(limit) && json_integer_value(limit) != 0) {
        limit_text(v, sizeof v, json_integer_value(limit));
        if (write_limit(cg, "memory.max", v, 0, err, errlen) < 0) return -1;
    }
    if (json_is_integer(res) && json_integer_value(res) != 0) {
        limit_text(v, sizeof v, json_integer_value(res));
        if (write_limit(cg, "memory.low", v, 0, err, errlen) < 0) return -1;
    }
    /* OCI's swap is memory plus swap; cgroup v2's memory.swap.max is the swap alone (runc's conversion). */
    json_int_t sw = json_integer_value(swap), lim = json_integer_value(limit);
    if (!json_is_integer(swap) || sw == 0) return 0;
    if (sw > 0 && (lim <= 0 || sw < lim)) {
        snprintf(err, errlen, "linux.resources.memory.swap (%lld) needs a memory.limit no larger than it",
                 (long long)sw);
        return -1;
    }
    limit_text(v, sizeof v, sw < 0 ? -1 : sw - lim);
    if (sw == lim) snprintf(v, sizeof v, "0");
    return write_limit(cg, "memory.swap.max", v, 0, err, errlen);
}

/* The memory nodes this kernel has: the highest in /sys/devices/system/node/online, plus one. */
static int memory_nodes(void) {
    char text[64] = "";
    int fd = open("/sys/devices/system/node/online", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (fd >= 0) close(fd);
    if (n <= 0) return 1;
    text[n] = 0;
    const char *last = text;
    for (const char *p = text; *p; p++)
        if (*p == ',' || *p == '-') last = p + 1;
    return atoi(last) + 1;
}

static int apply_cpu(const char *cg, json_t *cpu, char *err, size_t errlen) {
    char v[300];
    json_t *shares = json_object_get(cpu, "shares");
    if (json_is_integer(shares) && json_integer_value(shares) != 0) {
        /* runc's mapping of cgroup v1 shares (2..262144) onto v2 weights (1..10000). */
        snprintf(v, sizeof v, "%lld", 1 + ((long long)json_integer_value(shares) - 2) * 9999 / 262142);
        if (write_limit(cg, "cpu.weight", v, 0, err, errlen) < 0) return -1;
    }
    json_t *quota = json_object_get(cpu, "quota"), *period = json_object_get(cpu, "period");
    if (cpu_max_text(json_integer_value(quota), json_integer_value(period), v, sizeof v) &&
        write_limit(cg, "cpu.max", v, 0, err, errlen) < 0)
        return -1;
    const char *cpus = json_string_value(json_object_get(cpu, "cpus"));
    const char *mems = json_string_value(json_object_get(cpu, "mems"));
    if (cpus && *cpus) {
        /* The set names host CPUs; the VM may have fewer (docs/agent-protocol.md, create). */
        char guest[300];
        if (cpuset_for_guest(cpus, get_nprocs(), guest, sizeof guest) < 0) {
            snprintf(err, errlen, "linux.resources.cpu.cpus \"%s\" is not a list of CPUs", cpus);
            return -1;
        }
        if (strcmp(guest, cpus) != 0) debugmsg("cgroup: cpuset.cpus %s is %s in this VM", cpus, guest);
        if (write_limit(cg, "cpuset.cpus", guest, 0, err, errlen) < 0) return -1;
    }
    if (mems && *mems) {
        /* Host memory nodes, folded the same way onto the guest's (one, unless the VM was given more). */
        char guest[300];
        if (cpuset_for_guest(mems, memory_nodes(), guest, sizeof guest) < 0) {
            snprintf(err, errlen, "linux.resources.cpu.mems \"%s\" is not a list of memory nodes", mems);
            return -1;
        }
        if (write_limit(cg, "cpuset.mems", guest, 0, err, errlen) < 0) return -1;
    }
    return 0;
}

static int apply_hugepages(const char *cg, json_t *limits, char *err, size_t errlen) {
    size_t i;
    json_t *h;
    json_array_foreach(limits, i, h) {
        const char *size = json_string_value(json_object_get(h, "pageSize"));
        char file[128], v[64];
        if (!size || strchr(size, '/')) continue;
        snprintf(file, sizeof file, "hugetlb.%s.max", size);
        snprintf(v, sizeof v, "%llu", (unsigned long long)json_integer_value(json_object_get(h, "limit")));
        if (write_limit(cg, file, v, 0, err, errlen) < 0) return -1;
    }
    return 0;
}

/* linux.resources.unified: cgroup v2 files written as given; runc fails when one is not there. */
static int apply_unified(const char *cg, json_t *unified, char *err, size_t errlen) {
    const char *file;
    json_t *value;
    json_object_foreach(unified, file, value) {
        if (!json_is_string(value) || !*file || strchr(file, '/') || file[0] == '.') {
            snprintf(err, errlen, "linux.resources.unified \"%s\": not a cgroup file name with a string value", file);
            return -1;
        }
        if (write_limit(cg, file, json_string_value(value), 1, err, errlen) < 0) return -1;
    }
    return 0;
}

int cgroup_apply(const char *cg, json_t *res, char *err, size_t errlen) {
    if (!json_is_object(res)) return 0;
    enable_controllers(cg);
    json_t *pids = json_object_get(json_object_get(res, "pids"), "limit");
    char v[64];
    if (apply_memory(cg, json_object_get(res, "memory"), err, errlen) < 0 ||
        apply_cpu(cg, json_object_get(res, "cpu"), err, errlen) < 0 ||
        apply_hugepages(cg, json_object_get(res, "hugepageLimits"), err, errlen) < 0)
        return -1;
    if (json_is_integer(pids) && json_integer_value(pids) != 0) {
        limit_text(v, sizeof v, json_integer_value(pids));
        if (write_limit(cg, "pids.max", v, 0, err, errlen) < 0) return -1;
    }
    return apply_unified(cg, json_object_get(res, "unified"), err, errlen);
}

/* The update request: the same linux.resources, on a running container. */
int do_update(struct container *c, json_t *res, char *err, size_t errlen) {
    if (!c->cgroup[0]) {
        fail_code(AE_ENOTSUP);
        snprintf(err, errlen, "container '%s' has no cgroup (host mode without --cgroup-root)", c->id);
        return -1;
    }
    return cgroup_apply(c->cgroup, res, err, errlen);
}
