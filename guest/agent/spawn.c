/* The child side of create and exec. Everything that can fail is done before the child reports "ok",
 * so create and exec fail cleanly instead of leaving a half-made process behind. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/capability.h>
#include "agent.h"
#include "spawn.h"

/* Tells the agent how setup went: "ok" (with the pty master, if any) or "err:<why>". */
static void report(int sock, const char *msg, int pass_fd) {
    struct msghdr mh = {0};
    struct iovec iov = {(void *)msg, strlen(msg)};
    char ctl[CMSG_SPACE(sizeof(int))];
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (pass_fd >= 0) {
        memset(ctl, 0, sizeof ctl);
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    }
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

__attribute__((noreturn, format(printf, 2, 3))) static void fail(int sock, const char *fmt, ...) {
    char msg[1024] = "err:";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + 4, sizeof msg - 4, fmt, ap);
    va_end(ap);
    report(sock, msg, -1);
    _exit(127);
}

static const char *env_get(char **env, const char *name) {
    size_t n = strlen(name);
    for (char **e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
    return NULL;
}

/* runc's rule: a name without a slash is looked up in the process's own PATH. */
/* 0, or the errno that says why path cannot be executed. */
static int executable(const char *path) {
    struct stat st;
    if (stat(path, &st) < 0) return errno;
    if (S_ISDIR(st.st_mode)) return EISDIR;
    if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0) return EACCES;
    return 0;
}

/* runc's rule: a name without a slash is looked up in the process's own PATH. Fails the setup with
 * runc's wording, which managers show to users. */
static void resolve(int sock, const char *arg0, char **env, char *out, size_t outlen) {
    int e;
    if (strchr(arg0, '/')) {
        snprintf(out, outlen, "%s", arg0);
        if ((e = executable(out)) != 0) fail(sock, "exec: \"%s\": %s", arg0, strerror(e));
        return;
    }
    const char *path = env_get(env, "PATH");
    if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, outlen, "%s/%s", *dir ? dir : ".", arg0);
        if (executable(out) == 0) return;
    }
    fail(sock, "exec: \"%s\": executable file not found in $PATH", arg0);
}

static const struct { const char *name; int res; } RLIMITS[] = {
    {"RLIMIT_CPU", RLIMIT_CPU}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_LOCKS", RLIMIT_LOCKS}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE}, {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

int rlimits_apply(pid_t pid, json_t *rlimits, char *err, size_t errlen) {
    size_t i;
    json_t *r;
    json_array_foreach(rlimits, i, r) {
        const char *type = json_string_value(json_object_get(r, "type"));
        int res = -1;
        for (size_t k = 0; type && k < sizeof RLIMITS / sizeof RLIMITS[0]; k++)
            if (strcmp(RLIMITS[k].name, type) == 0) res = RLIMITS[k].res;
        if (res < 0) {
            snprintf(err, errlen, "unknown rlimit type '%s'", type ? type : "(none)");
            return -1;
        }
        struct rlimit rl = {(rlim_t)json_integer_value(json_object_get(r, "soft")),
                            (rlim_t)json_integer_value(json_object_get(r, "hard"))};
        if (prlimit(pid, (enum __rlimit_resource)res, &rl, NULL) < 0) {
            snprintf(err, errlen, "setrlimit %s: %s", type, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void mkdirs(const char *path, mode_t mode) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, mode);
            *p = '/';
        }
    }
    mkdir(tmp, mode);
}

/* A pty made inside the container's devpts, so the process sees its own /dev/pts/N. */
static int open_pty(int sock, int *slave_out, json_t *size) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail(sock, "open /dev/ptmx in the container: %s", strerror(errno));
    int unlock = 0, n;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
        fail(sock, "pty setup: %s", strerror(errno));
    char name[64];
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail(sock, "open %s: %s", name, strerror(errno));
    if (size) {
        struct winsize ws = {0};
        ws.ws_row = (unsigned short)json_integer_value(json_object_get(size, "height"));
        ws.ws_col = (unsigned short)json_integer_value(json_object_get(size, "width"));
        ioctl(slave, TIOCSWINSZ, &ws);
    }
    *slave_out = slave;
    return master;
}

static char **string_array(json_t *arr) {
    size_t n = json_array_size(arr);
    char **v = calloc(n + 1, sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < n; i++) v[i] = (char *)json_string_value(json_array_get(arr, i));
    return v;
}

/* What exec_workload still has to do once the process is what it will be: the seccomp filter is the last
 * thing before execve (runc's order), and without no_new_privs loading it needs CAP_SYS_ADMIN, held until
 * then and dropped by caps_final. */
static void *filter;
static struct caps caps;
static int caps_pending;

static void set_ids(int sock, json_t *user, struct caps *c, uint64_t *extra) {
    gid_t gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
    uid_t uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
    json_t *groups_v = json_object_get(user, "additionalGids");
    gid_t groups[64];
    size_t ng = json_array_size(groups_v) < 64 ? json_array_size(groups_v) : 64;
    char err[512];
    for (size_t i = 0; i < ng; i++) groups[i] = (gid_t)json_integer_value(json_array_get(groups_v, i));
    if (setgroups(ng, groups) < 0) fail(sock, "setgroups: %s", strerror(errno));
    if (setgid(gid) < 0) fail(sock, "setgid %u: %s", gid, strerror(errno));
    if (caps_before_setuid(c, err, sizeof err) < 0) fail(sock, "%s", err);
    if (caps_has_effective(c, CAP_SYS_ADMIN)) *extra = 0;
    if (setuid(uid) < 0) fail(sock, "setuid %u: %s", uid, strerror(errno));
    if (caps_after_setuid(c, *extra, err, sizeof err) < 0) fail(sock, "%s", err);
}

/* The process's identity: cwd, limits, groups and ids, capabilities, no_new_privs; the seccomp filter is
 * compiled here (errors fail the request) and loaded by exec_workload. */
static void become(int sock, json_t *process, json_t *linux_cfg) {
    json_t *user = json_object_get(process, "user");
    const char *cwd = json_string_value(json_object_get(process, "cwd"));
    char err[512] = "";
    if (!cwd || !*cwd) cwd = "/";
    if (chdir(cwd) < 0) {
        mkdirs(cwd, 0755);
        if (chdir(cwd) < 0) fail(sock, "cwd %s: %s", cwd, strerror(errno));
    }
    json_t *umask_v = json_object_get(user, "umask");
    umask(json_is_integer(umask_v) ? (mode_t)json_integer_value(umask_v) : 022);
    if (caps_parse(json_object_get(process, "capabilities"), caps_last(), &caps, err, sizeof err) < 0)
        fail(sock, "%s", err);
    filter = seccomp_compile(json_object_get(linux_cfg, "seccomp"), err, sizeof err);
    if (!filter && err[0]) fail(sock, "%s", err);
    int nnp = json_is_true(json_object_get(process, "noNewPrivileges"));
    uint64_t extra = filter && !nnp ? 1ULL << CAP_SYS_ADMIN : 0;
    set_ids(sock, user, &caps, &extra);
    caps_pending = extra != 0;
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(sock, "no_new_privs: %s", strerror(errno));
}

/* process.oomScoreAdj, before anything can drop CAP_SYS_RESOURCE (lowering it needs that in the first user
 * namespace: the first process gets it from the agent). */
int oom_score_apply(pid_t pid, json_t *process, char *err, size_t errlen) {
    json_t *v = json_object_get(process, "oomScoreAdj");
    if (!json_is_integer(v)) return 0;
    char text[32], path[64];
    int n = snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    if (pid) snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
    else snprintf(path, sizeof path, "/proc/self/oom_score_adj");
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int rc = fd < 0 || write(fd, text, (size_t)n) != n ? -1 : 0;
    if (rc < 0) snprintf(err, errlen, "oomScoreAdj %s: %s", text, strerror(errno));
    if (fd >= 0) close(fd);
    return rc;
}

/* linux.sysctl, written as runc does (dots are folders). ipc ones (kernel.shm*, kernel.msg*) must come from
 * the new process to land in its new ipc namespace; net ones belong to the VM's network namespace, which
 * the container's user namespace (if any) does not own, so the agent writes those. */
int sysctl_apply(json_t *sysctl, int net, char *err, size_t errlen) {
    const char *key;
    json_t *value;
    json_object_foreach(sysctl, key, value) {
        if ((strncmp(key, "net.", 4) == 0) != net) continue;
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
        if (!json_is_string(value) || !*key || strstr(key, "..") || n >= (int)sizeof path) {
            snprintf(err, errlen, "linux.sysctl \"%s\": not a sysctl name with a string value", key);
            return -1;
        }
        for (char *c = path + 10; *c; c++)
            if (*c == '.') *c = '/';
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        const char *v = json_string_value(value);
        if (fd < 0 || write(fd, v, strlen(v)) < 0) {
            snprintf(err, errlen, "linux.sysctl \"%s\" = \"%s\": %s", key, v, strerror(errno));
            if (fd >= 0) close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

/* linux.rootfsPropagation (runc's rule): the whole tree gets it before the root is bound (rslave when
 * absent), and the root mount gets it again after pivot_root. Shared variants are applied only after
 * pivot_root, which refuses a shared root; in a VM there is no host namespace to share with anyway. */
static unsigned long root_propagation(int sock, json_t *linux_cfg, unsigned long *after) {
    const char *name = json_string_value(json_object_get(linux_cfg, "rootfsPropagation"));
    *after = 0;
    if (!name || !*name) return MS_REC | MS_SLAVE;
    if (propagation_flag(name, after) < 0)
        fail(sock, "linux.rootfsPropagation \"%s\" is not a propagation (shared, slave, private, unbindable, r...)",
             name);
    return (*after & MS_SHARED) ? MS_REC | MS_SLAVE : *after;
}

/* After pivot_root, in the container's own view (symlinks resolve inside it), as runc does. */
static void confine_paths(int sock, json_t *linux_cfg) {
    char err[512];
    if (readonly_paths(json_object_get(linux_cfg, "readonlyPaths"), err, sizeof err) < 0 ||
        mask_paths(json_object_get(linux_cfg, "maskedPaths"), err, sizeof err) < 0)
        fail(sock, "%s", err);
}

/* The container's root is the share itself, bound recursively (read-only when asked), so the workload's
 * writes reach the bundle's rootfs on the host, as with runc. */
static void setup_root(struct spawn_args *a) {
    char root[PATH_MAX], err[512];
    unsigned long after;
    unsigned long before = root_propagation(a->sync, a->linux_cfg, &after);
    if (a->sysctl && sysctl_apply(a->sysctl, 0, err, sizeof err) < 0) fail(a->sync, "%s", err);
    if (mount(NULL, "/", NULL, before, NULL) < 0) fail(a->sync, "root propagation: %s", strerror(errno));
    snprintf(root, sizeof root, "%s/root", a->dir);
    if (mount(a->share, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        fail(a->sync, "root from %s: %s", a->share, strerror(errno));
    if (a->readonly && mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        fail(a->sync, "read-only root from %s: %s", a->share, strerror(errno));
    if (mount_setup(root, a->mounts, a->cgroup[0] != 0, a->shm, err, sizeof err) < 0 ||
        create_devices(root, json_object_get(a->linux_cfg, "devices"), err, sizeof err) < 0)
        fail(a->sync, "%s", err);
    if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        fail(a->sync, "pivot_root into %s: %s", root, strerror(errno));
    if (after && mount(NULL, "/", NULL, after, NULL) < 0)
        fail(a->sync, "linux.rootfsPropagation on /: %s", strerror(errno));
    confine_paths(a->sync, a->linux_cfg);
    if (a->hostname && *a->hostname && sethostname(a->hostname, strlen(a->hostname)) < 0)
        fail(a->sync, "sethostname: %s", strerror(errno));
}

/* In a user namespace the process is still the agent's uid 0, which the maps may leave unmapped (files it
 * made would fail with EOVERFLOW): it becomes the namespace's root first, as runc does. */
static void become_ns_root(int sock) {
    if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
        fail(sock, "becoming root in the user namespace (is 0 mapped?): %s", strerror(errno));
}

/* exec: the user namespace first, so that the others (owned by it) can be joined. */
static void join_namespaces(struct spawn_args *a) {
    static const int types[5] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWCGROUP};
    static const char *names[5] = {"user", "mnt", "uts", "ipc", "cgroup"};
    for (int i = 0; i < 5; i++) {
        if (a->ns_fds[i] < 0) continue;
        if (setns(a->ns_fds[i], types[i]) < 0) fail(a->sync, "setns %s: %s", names[i], strerror(errno));
        if (i == 0) become_ns_root(a->sync);
    }
}

/* exec: into the container's cgroup before anything else runs, so every byte it uses is counted (the
 * first process is put there by the agent, before its user namespace could keep it from moving). */
static void enter_cgroup(struct spawn_args *a) {
    if (!a->cgroup[0]) return;
    char procs[PATH_MAX];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", a->cgroup);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) fail(a->sync, "join cgroup %s: %s", a->cgroup, strerror(errno));
    close(fd);
}

/* create: the agent has put the process in its cgroup, set its oomScoreAdj and rlimits and written its
 * user namespace's maps, and says so with one byte (none: it gave up on the process). Then the cgroup
 * namespace, rooted at that cgroup and owned by the new user namespace. */
static void await_agent(struct spawn_args *a) {
    char go;
    if (read(a->sync, &go, 1) != 1) _exit(127);
    if (a->userns) become_ns_root(a->sync);
    if (a->cgroup[0] && unshare(CLONE_NEWCGROUP) < 0) fail(a->sync, "cgroup namespace: %s", strerror(errno));
}

static void use_terminal(int slave) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    for (int i = 0; i < 3; i++) dup2(slave, i);
    if (slave > 2) close(slave);
}

__attribute__((noreturn)) static void exec_workload(struct spawn_args *a, const char *exe) {
    char **argv = string_array(json_object_get(a->process, "args"));
    char **envp = string_array(json_object_get(a->process, "env"));
    char msg[PATH_MAX + 128];
    int n, rc;
    if (filter && (rc = seccomp_install(filter)) < 0)
        n = snprintf(msg, sizeof msg, "linux.seccomp: loading the filter: %s", strerror(-rc));
    else if (caps_pending && caps_final(&caps) < 0)
        n = snprintf(msg, sizeof msg, "capset after loading the seccomp filter: %s", strerror(errno));
    else {
        execve(exe, argv, envp);
        n = snprintf(msg, sizeof msg, "exec %s: %s", exe, strerror(errno));
    }
    if (write(a->exec_err, msg, (size_t)n) < 0) {
    }
    _exit(127);
}

void child_main(struct spawn_args *a) {
    /* The agent blocks SIGCHLD and ignores SIGPIPE for itself; a workload gets the defaults. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    char err[512];
    if (a->is_init) {
        await_agent(a);
        join_namespaces(a);
        setup_root(a);
    } else {
        enter_cgroup(a);
        if (oom_score_apply(0, a->process, err, sizeof err) < 0 ||
            rlimits_apply(0, json_object_get(a->process, "rlimits"), err, sizeof err) < 0)
            fail(a->sync, "%s", err);
        join_namespaces(a);
    }

    json_t *process = a->process;
    char **argv = string_array(json_object_get(process, "args"));
    char **envp = string_array(json_object_get(process, "env"));
    char exe[PATH_MAX];
    if (!argv[0] || !*argv[0]) fail(a->sync, "process.args is empty");
    resolve(a->sync, argv[0], envp, exe, sizeof exe);
    free(argv);
    free(envp);

    int master = -1, slave = -1;
    if (json_is_true(json_object_get(process, "terminal"))) {
        master = open_pty(a->sync, &slave, json_object_get(process, "consoleSize"));
    } else {
        int fds[3] = {a->stdin_r, a->stdout_w, a->stderr_w};
        for (int i = 0; i < 3; i++) dup2(fds[i] >= 0 ? fds[i] : a->devnull, i);
        for (int i = 0; i < 3; i++)
            if (fds[i] > 2) close(fds[i]);
    }
    become(a->sync, process, a->linux_cfg);
    report(a->sync, "ok", master);
    if (master >= 0) close(master);
    char go;
    if (read(a->sync, &go, 1) != 1) _exit(127);
    close(a->sync);
    /* The first process is the workload itself, PID 1 of its pid namespace as with runc: no init of Hull's
     * sits between them (docs/agent-protocol.md, "The workload is PID 1"). */
    if (slave >= 0) use_terminal(slave);
    exec_workload(a, exe);
}
