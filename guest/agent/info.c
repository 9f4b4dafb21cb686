/* What is running in a container (ps), what it uses (stats), and signalling all of it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Pids in the container's pid namespace, the namespace's own init (hull-init) left out. */
static int list_pids(struct container *c, pid_t *out, int max) {
    ino_t ns;
    if (container_ns(c, &ns) < 0) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == c->init->pid) continue;
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
        if (ppid == c->init->pid) ppid = 0; /* the workload's parent is hidden with hull-init */
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
    if (sig == SIGKILL && c->init && !c->init->exited) kill(c->init->pid, SIGKILL);
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

json_t *do_stats(struct container *c, char *err, size_t errlen) {
    if (!c->cgroup[0]) {
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
    return json_pack("{s:{s:I,s:I,s:I},s:{s:I,s:I},s:{s:I,s:I}}", "cpu", "usageUsec", usage, "userUsec", user,
                     "systemUsec", sys, "memory", "usage", read_number(c->cgroup, "memory.current"), "limit",
                     read_number(c->cgroup, "memory.max"), "pids", "current",
                     read_number(c->cgroup, "pids.current"), "limit", read_number(c->cgroup, "pids.max"));
}

static int write_limit(const char *dir, const char *file, const char *value, char *err, size_t errlen) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : write(fd, value, strlen(value));
    int saved = errno;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)strlen(value)) {
        snprintf(err, errlen, "write %s to %s: %s", value, path, strerror(saved));
        return -1;
    }
    return 0;
}

/* OCI linux.resources, the parts a cgroup v2 guest applies: memory, cpu bandwidth, pids. */
int do_update(struct container *c, json_t *res, char *err, size_t errlen) {
    if (!c->cgroup[0]) {
        snprintf(err, errlen, "container '%s' has no cgroup (host mode without --cgroup-root)", c->id);
        return -1;
    }
    char v[64];
    json_t *mem = json_object_get(json_object_get(res, "memory"), "limit");
    if (json_is_integer(mem)) {
        json_int_t m = json_integer_value(mem);
        if (m > 0) snprintf(v, sizeof v, "%lld", (long long)m);
        else snprintf(v, sizeof v, "max");
        if (write_limit(c->cgroup, "memory.max", v, err, errlen) < 0) return -1;
    }
    json_t *cpu = json_object_get(res, "cpu");
    json_t *quota = json_object_get(cpu, "quota"), *period = json_object_get(cpu, "period");
    if (json_is_integer(quota) || json_is_integer(period)) {
        long long q = json_is_integer(quota) ? json_integer_value(quota) : -1;
        long long p = json_is_integer(period) ? json_integer_value(period) : 100000;
        if (q > 0) snprintf(v, sizeof v, "%lld %lld", q, p);
        else snprintf(v, sizeof v, "max %lld", p);
        if (write_limit(c->cgroup, "cpu.max", v, err, errlen) < 0) return -1;
    }
    json_t *pids = json_object_get(json_object_get(res, "pids"), "limit");
    if (json_is_integer(pids)) {
        json_int_t n = json_integer_value(pids);
        if (n > 0) snprintf(v, sizeof v, "%lld", (long long)n);
        else snprintf(v, sizeof v, "max");
        if (write_limit(c->cgroup, "pids.max", v, err, errlen) < 0) return -1;
    }
    return 0;
}
