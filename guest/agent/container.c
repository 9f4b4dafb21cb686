/* The agent's side of create, start, exec, signal, resize and delete. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "agent.h"
#include "spawn.h"

struct agent_config g_cfg;

/* Receives "ok"/"err:..." from the child, and the pty master with it when there is a terminal. */
static int receive_report(int sock, char *msg, size_t msglen, int *fd_out) {
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {msg, msglen - 1};
    struct msghdr mh = {0};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    ssize_t n;
    do {
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return -1;
    msg[n] = 0;
    *fd_out = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) memcpy(fd_out, CMSG_DATA(cm), sizeof(int));
    return 0;
}

struct pipes {
    int in[2], out[2], err[2];
};

static void close_pair(int p[2]) {
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0) {
            close(p[i]);
            p[i] = -1;
        }
}

/* stdout and stderr naming one stream share one pipe, as `2>&1` shares one open file: the reader gets
 * the process's writes in the order it made them, which two pipes read in turn cannot promise. */
static int merged_output(json_t *stdio) {
    json_int_t out = json_integer_value(json_object_get(stdio, "stdout"));
    return out && out == json_integer_value(json_object_get(stdio, "stderr"));
}

static int make_pipes(struct pipes *p, json_t *stdio, int terminal) {
    p->in[0] = p->in[1] = p->out[0] = p->out[1] = p->err[0] = p->err[1] = -1;
    if (terminal) return 0;
    if (json_integer_value(json_object_get(stdio, "stdin")) && pipe2(p->in, O_CLOEXEC) < 0) return -1;
    if (json_integer_value(json_object_get(stdio, "stdout")) && pipe2(p->out, O_CLOEXEC) < 0) return -1;
    if (json_integer_value(json_object_get(stdio, "stderr")) && !merged_output(stdio) && pipe2(p->err, O_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* Closes every fd of the new child except the ones it needs: the agent's other fds (the connection, other
 * containers' pipes) are CLOEXEC, but the child may wait a long time before it execs (until start). An
 * agent-side stdin write end held there would keep another container's process from ever seeing EOF on
 * its stdin. */
static void keep_only(const int *keep, int n) {
    int sorted[16], m = 0;
    for (int i = 0; i < n; i++)
        if (keep[i] > 2) sorted[m++] = keep[i];
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            int t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    unsigned from = 3;
    for (int i = 0; i < m; i++) {
        if ((unsigned)sorted[i] > from) close_range(from, (unsigned)sorted[i] - 1, 0);
        from = (unsigned)sorted[i] + 1;
    }
    close_range(from, ~0U, 0);
}

static int clone_entry(void *arg) {
    struct spawn_args *a = arg;
    int keep[] = {a->stdin_r,   a->stdout_w,  a->stderr_w,  a->devnull,   a->sync,     a->exec_err,
                  a->ns_fds[0], a->ns_fds[1], a->ns_fds[2], a->ns_fds[3], a->ns_fds[4]};
    keep_only(keep, (int)(sizeof keep / sizeof keep[0]));
    child_main(a);
}

static void register_streams(struct process *p, json_t *stdio, struct pipes *pp, int master) {
    uint32_t in = (uint32_t)json_integer_value(json_object_get(stdio, "stdin"));
    uint32_t out = (uint32_t)json_integer_value(json_object_get(stdio, "stdout"));
    uint32_t err = (uint32_t)json_integer_value(json_object_get(stdio, "stderr"));
    p->tty_master = master;
    if (master >= 0) {
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        if (in) {
            p->in = stream_new(in, 0, master, p);
            p->in->fd_shared = 1;
        }
        if (out) {
            p->out = stream_new(out, 1, master, p);
            p->out->fd_shared = 1;
        }
        return;
    }
    if (in) p->in = stream_new(in, 0, pp->in[1], p);
    if (out) p->out = stream_new(out, 1, pp->out[0], p);
    if (err && !merged_output(stdio)) p->err = stream_new(err, 1, pp->err[0], p);
    pp->in[1] = pp->out[0] = pp->err[0] = -1;
}

/* Two streams under one id would interleave and the second would never be closed (a wait on the
 * process would hang), so ids in use are refused. */
static int check_stream_ids(json_t *stdio, int terminal, char *err, size_t errlen) {
    static const char *names[3] = {"stdin", "stdout", "stderr"};
    json_int_t ids[3];
    if (stdio && !json_is_object(stdio)) {
        snprintf(err, errlen, "stdio must be an object");
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(stdio, names[i]);
        ids[i] = json_integer_value(v);
        if ((v && !json_is_integer(v)) || ids[i] < 0 || ids[i] > 0xffffffffLL) {
            fail_code(AE_EINVAL);
            snprintf(err, errlen, "stdio.%s must be a stream id (0 to 4294967295)", names[i]);
            return -1;
        }
        if (terminal && i == 2) ids[i] = 0;
        if (!ids[i]) continue;
        if (stream_find((uint32_t)ids[i])) {
            fail_code(AE_EEXIST);
            snprintf(err, errlen, "stream %lld is already in use", (long long)ids[i]);
            return -1;
        }
        for (int k = 0; k < i; k++)
            if (ids[k] == ids[i] && !(k == 1 && i == 2)) {
                fail_code(AE_EINVAL);
                snprintf(err, errlen, "stdio.%s and stdio.%s are both stream %lld", names[k], names[i],
                         (long long)ids[i]);
                return -1;
            }
    }
    return 0;
}

/* linux.namespaces' user entry and the maps (runc's checks): a new user namespace needs both maps; maps
 * without one are a mistake; joining an existing one (path) is not supported. 1: a new one, 0: none. */
static int user_namespace(json_t *linux_cfg, char *err, size_t errlen) {
    size_t i;
    json_t *ns;
    int user = 0;
    json_array_foreach(json_object_get(linux_cfg, "namespaces"), i, ns) {
        if (strcmp(json_string_value(json_object_get(ns, "type")) ?: "", "user") != 0) continue;
        if (json_string_length(json_object_get(ns, "path")) > 0) {
            snprintf(err, errlen, "linux.namespaces: joining a user namespace is not supported");
            return -1;
        }
        user = 1;
    }
    int uids = json_array_size(json_object_get(linux_cfg, "uidMappings")) > 0;
    int gids = json_array_size(json_object_get(linux_cfg, "gidMappings")) > 0;
    if (!user && (uids || gids)) {
        snprintf(err, errlen, "user namespaces mappings specified but no user namespace");
        return -1;
    }
    if (user && !(uids && gids)) {
        snprintf(err, errlen, "a user namespace needs linux.uidMappings and linux.gidMappings");
        return -1;
    }
    return user;
}

/* Writes linux.uidMappings or gidMappings to /proc/PID/<file> in one write, as the kernel wants it.
 * setgroups stays "allow": the maps are written by the agent, root of the first namespace (runc's rule). */
static int write_map(pid_t pid, const char *file, json_t *maps, char *err, size_t errlen) {
    char text[4096], path[64];
    size_t len = 0, i;
    json_t *m;
    json_array_foreach(maps, i, m) {
        json_t *in = json_object_get(m, "containerID"), *out = json_object_get(m, "hostID");
        json_t *size = json_object_get(m, "size");
        if (!json_is_integer(in) || !json_is_integer(out) || !json_is_integer(size) || len >= sizeof text) {
            snprintf(err, errlen, "linux.%s: each entry needs containerID, hostID and size",
                     file[0] == 'u' ? "uidMappings" : "gidMappings");
            return -1;
        }
        len += (size_t)snprintf(text + len, sizeof text - len, "%lld %lld %lld\n", (long long)json_integer_value(in),
                                (long long)json_integer_value(out), (long long)json_integer_value(size));
    }
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int rc = fd < 0 || write(fd, text, len) != (ssize_t)len ? -1 : 0;
    if (rc < 0)
        snprintf(err, errlen, "linux.%s: writing %s: %s", file[0] == 'u' ? "uidMappings" : "gidMappings", path,
                 strerror(errno));
    if (fd >= 0) close(fd);
    return rc;
}

/* What the agent does for a new first process while it waits (await_agent in spawn.c), from outside its
 * user namespace: its cgroup (a process in a user namespace may not move itself), oomScoreAdj and rlimits
 * (lowering or raising needs CAP_SYS_RESOURCE in the first namespace), the VM's net.* sysctls, the maps.
 * Then the byte that lets it go on. */
static int prepare_first(pid_t pid, struct spawn_args *a, int sync, char *err, size_t errlen) {
    if (a->cgroup[0]) {
        char path[PATH_MAX], text[32];
        snprintf(path, sizeof path, "%s/cgroup.procs", a->cgroup);
        int n = snprintf(text, sizeof text, "%d", pid);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int rc = fd < 0 || write(fd, text, (size_t)n) != n ? -1 : 0;
        if (rc < 0) snprintf(err, errlen, "join cgroup %s: %s", a->cgroup, strerror(errno));
        if (fd >= 0) close(fd);
        if (rc < 0) return -1;
    }
    if (oom_score_apply(pid, a->process, err, errlen) < 0 ||
        rlimits_apply(pid, json_object_get(a->process, "rlimits"), err, errlen) < 0 ||
        (a->sysctl && sysctl_apply(a->sysctl, 1, err, errlen) < 0))
        return -1;
    if (a->userns && (write_map(pid, "uid_map", json_object_get(a->linux_cfg, "uidMappings"), err, errlen) < 0 ||
                      write_map(pid, "gid_map", json_object_get(a->linux_cfg, "gidMappings"), err, errlen) < 0))
        return -1;
    if (write(sync, "m", 1) != 1) {
        snprintf(err, errlen, "the process died while being set up");
        return -1;
    }
    return 0;
}

/* create's "join": {"uts": ID, "ipc": ID, "pid": ID} names another container of the pod whose namespaces
 * this one shares (config.json names the sandbox's by path on the host; the host turns that into the
 * sandbox's id). Opened here; uts and ipc are joined by the child (join_namespaces) before its root is made,
 * pid by the agent before the clone (a pid namespace is entered by the children of who joins it):
 * nsfd[5]. */
static int join_pod_namespaces(json_t *join, int userns, int nsfd[6], char *err, size_t errlen) {
    static const char *names[3] = {"uts", "ipc", "pid"};
    if (join && !json_is_object(join)) {
        snprintf(err, errlen, "join must be an object");
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(join, names[i]);
        if (!v) continue;
        const char *other = json_string_value(v);
        struct container *o = container_find(other ? other : "");
        if (!o || !o->init || o->init->exited) {
            snprintf(err, errlen, "join.%s: no running container '%s' in this VM", names[i], other ? other : "");
            return -1;
        }
        if (userns) {
            snprintf(err, errlen, "join.%s: a container with a user namespace of its own cannot join another's %s "
                     "namespace", names[i], names[i]);
            return -1;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", o->init->pid, names[i]);
        int slot = i == 2 ? 5 : 2 + i;
        if ((nsfd[slot] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            snprintf(err, errlen, "open %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* /dev/shm. A member sharing another container's ipc namespace shares its /dev/shm too (podman, docker and
 * CRI bind the same host tmpfs into both, which cannot be shared into a VM: DevShm on the host makes it a
 * tmpfs here). Any other container's is made in the agent's namespace, where a later member can reach it
 * (a mount in another container's namespace cannot be bound). In host mode and with a user namespace of
 * its own (which cannot share ipc), the container makes its own. */
static int pod_shm(struct container *c, json_t *req, json_t *mounts, int userns, const char **shm, char *err,
                   size_t errlen) {
    *shm = NULL;
    if (!g_cfg.guest || !mounts || userns) return 0;
    const char *ipc = json_string_value(json_object_get(json_object_get(req, "join"), "ipc"));
    struct container *o = ipc ? container_find(ipc) : NULL;
    if (o && o->shm[0]) {
        snprintf(c->shm, sizeof c->shm, "%s", o->shm);
        *shm = c->shm;
        return 0;
    }
    char path[sizeof c->shm];
    if (snprintf(path, sizeof path, "/run/hull/shm/%s", c->id) >= (int)sizeof path) return 0;
    int made = shm_make(mounts, path, err, errlen);
    if (made < 0) return -1;
    if (made) {
        snprintf(c->shm, sizeof c->shm, "%s", path);
        c->shm_own = 1;
        *shm = c->shm;
    }
    return 0;
}

/* create's "root": where in the share this container's root is (a pod member's own folder, which the host
 * binds there), a relative path of plain names; absent, the share itself. */
static int root_in_share(struct container *c, json_t *root, char *err, size_t errlen) {
    if (!root) {
        snprintf(c->share, sizeof c->share, "%s", g_cfg.share);
        return 0;
    }
    const char *r = json_string_value(root);
    char copy[512];
    if (!r || !*r || strlen(r) >= sizeof copy) {
        snprintf(err, errlen, "root must be a relative path in the share");
        return -1;
    }
    snprintf(copy, sizeof copy, "%s", r);
    char *save = NULL;
    for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save))
        if (!agent_valid_id(part)) {
            snprintf(err, errlen, "root '%s': '%s' is not a plain name", r, part);
            return -1;
        }
    if (r[0] == '/') {
        snprintf(err, errlen, "root '%s' must be relative to the share", r);
        return -1;
    }
    snprintf(c->share, sizeof c->share, "%s/%s", g_cfg.share, r);
    struct stat st;
    if (stat(c->share, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "root '%s' is not a folder in the share", r);
        return -1;
    }
    return 0;
}

/* Starts a container process (first or exec'd) up to the point where it waits for "go". */
static struct process *spawn(struct container *c, const char *exec_id, json_t *req, json_t *process, int is_init,
                             char *err, size_t errlen) {
    json_t *stdio = json_object_get(req, "stdio");
    int terminal = json_is_true(json_object_get(process, "terminal"));
    if (!json_is_object(process) || !json_is_array(json_object_get(process, "args"))) {
        snprintf(err, errlen, "request has no process object with args");
        return NULL;
    }
    if (check_stream_ids(stdio, terminal, err, errlen) < 0) return NULL;
    struct pipes pp;
    int sync[2] = {-1, -1}, execerr[2] = {-1, -1}, devnull = -1;
    int nsfd[6] = {-1, -1, -1, -1, -1, -1};
    struct process *p = NULL;
    if (make_pipes(&pp, stdio, terminal) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
        pipe2(execerr, O_CLOEXEC) < 0 || (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "pipes: %s", strerror(errno));
        goto out;
    }
    struct spawn_args a = {
        .is_init = is_init, .process = process, .hostname = json_string_value(json_object_get(req, "hostname")),
        .readonly = json_is_true(json_object_get(req, "readonly")), .share = c->share, .dir = c->dir,
        .stdin_r = pp.in[0], .stdout_w = pp.out[1], .devnull = devnull,
        .stderr_w = merged_output(stdio) ? pp.out[1] : pp.err[1],
        .sync = sync[1], .exec_err = execerr[1], .cgroup = c->cgroup,
        .ns_fds = {-1, -1, -1, -1, -1},
    };
    json_t *mounts = json_object_get(req, "mounts");
    a.mounts = json_is_array(mounts) ? mounts : NULL;
    a.linux_cfg = is_init ? json_object_get(req, "linux") : c->linux_cfg;
    if (a.linux_cfg && !json_is_object(a.linux_cfg)) a.linux_cfg = NULL;
    json_t *sysctl = json_object_get(req, "sysctl");
    /* In host mode the VM's namespaces would be the host's own. */
    a.sysctl = g_cfg.guest && json_is_object(sysctl) ? sysctl : NULL;
    a.userns = is_init ? user_namespace(a.linux_cfg, err, errlen) : c->userns;
    if (a.userns < 0) goto out;
    pid_t pid;
    if (is_init) {
        if (join_pod_namespaces(json_object_get(req, "join"), a.userns, nsfd, err, errlen) < 0 ||
            pod_shm(c, req, a.mounts, a.userns, &a.shm, err, errlen) < 0)
            goto out;
        a.ns_fds[2] = nsfd[2];
        a.ns_fds[3] = nsfd[3];
        /* The pod's hostname is the pod's: a member that shares its uts namespace does not set it. */
        if (nsfd[2] >= 0) a.hostname = NULL;
        size_t stack_size = 1 << 20;
        char *stack = malloc(stack_size);
        if (!stack) abort();
        /* With a user namespace, made in the same clone, it owns the others (as with runc). */
        int flags = CLONE_NEWNS | (nsfd[5] < 0 ? CLONE_NEWPID : 0) | (nsfd[2] < 0 ? CLONE_NEWUTS : 0) |
                    (nsfd[3] < 0 ? CLONE_NEWIPC : 0) | (a.userns ? CLONE_NEWUSER : 0);
        /* A shared pid namespace: the process is one more in it, not its init; the agent comes back after. */
        if (nsfd[5] >= 0 && setns(nsfd[5], CLONE_NEWPID) < 0) {
            snprintf(err, errlen, "join.pid: setns: %s", strerror(errno));
            free(stack);
            goto out;
        }
        pid = clone(clone_entry, stack + stack_size, flags | SIGCHLD, &a);
        int clone_errno = errno;
        if (nsfd[5] >= 0 && setns(g_cfg.own_pidns_fd, CLONE_NEWPID) < 0)
            logmsg("cannot return to the agent's pid namespace");
        errno = clone_errno;
        free(stack);
        c->shares_pidns = nsfd[5] >= 0;
    } else {
        char path[64];
        static const char *names[5] = {"user", "mnt", "uts", "ipc", "cgroup"};
        for (int i = c->userns ? 0 : 1; i < (c->cgroup[0] ? 5 : 4); i++) {
            snprintf(path, sizeof path, "/proc/%d/ns/%s", c->init->pid, names[i]);
            if ((nsfd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
                snprintf(err, errlen, "open %s: %s", path, strerror(errno));
                goto out;
            }
            a.ns_fds[i] = nsfd[i];
        }
        snprintf(path, sizeof path, "/proc/%d/ns/pid", c->init->pid);
        int pidns = open(path, O_RDONLY | O_CLOEXEC);
        /* setns on a pid namespace moves only future children: fork in it, then come back. */
        if (pidns < 0 || setns(pidns, CLONE_NEWPID) < 0) {
            snprintf(err, errlen, "join the pid namespace of %s: %s", c->id, strerror(errno));
            if (pidns >= 0) close(pidns);
            goto out;
        }
        close(pidns);
        pid = fork();
        if (pid == 0) clone_entry(&a);
        if (setns(g_cfg.own_pidns_fd, CLONE_NEWPID) < 0) logmsg("cannot return to the agent's pid namespace");
    }
    if (pid < 0) {
        snprintf(err, errlen, "clone: %s", strerror(errno));
        goto out;
    }
    close(sync[1]);
    sync[1] = -1;
    close(execerr[1]);
    execerr[1] = -1;
    close(pp.in[0]);
    close(pp.out[1]);
    close(pp.err[1]);
    pp.in[0] = pp.out[1] = pp.err[1] = -1;

    char msg[1100] = "";
    int master = -1;
    if (is_init && prepare_first(pid, &a, sync[0], err, errlen) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    if (receive_report(sync[0], msg, sizeof msg, &master) < 0 || strcmp(msg, "ok") != 0) {
        snprintf(err, errlen, "%s", strncmp(msg, "err:", 4) == 0 ? msg + 4 : "the process died while being set up");
        if (master >= 0) close(master);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    p = calloc(1, sizeof *p);
    if (!p) abort();
    p->c = c;
    snprintf(p->exec_id, sizeof p->exec_id, "%s", exec_id ? exec_id : "");
    p->pid = pid;
    p->waiters = json_array();
    register_streams(p, stdio, &pp, master);
    p->next = g_procs;
    g_procs = p;
    if (is_init) {
        c->start_fd = sync[0];
        c->exec_err_fd = execerr[0];
        sync[0] = execerr[0] = -1;
    } else {
        /* An exec'd process starts at once; its exec error, if any, is in the pipe right after. */
        if (write(sync[0], "g", 1) != 1) logmsg("exec %s: the process went away", exec_id);
        char e[600];
        ssize_t n = read(execerr[0], e, sizeof e - 1);
        if (n > 0) {
            /* The host gets only the error: the process (it _exits at once) and its streams are
             * forgotten without a CLOSE, so the exec name and stream ids are free again. */
            e[n] = 0;
            snprintf(err, errlen, "%s", e);
            waitpid(pid, NULL, 0);
            process_discard(p);
            p = NULL;
        }
    }
out:
    close_pair(pp.in);
    close_pair(pp.out);
    close_pair(pp.err);
    close_pair(sync);
    close_pair(execerr);
    for (int i = 0; i < 6; i++)
        if (nsfd[i] >= 0) close(nsfd[i]);
    if (devnull >= 0) close(devnull);
    return p;
}

#define VOLUME_DIR "/run/hull/vol"

/* Volumes: host folders qemu exports over 9p, mounted before the container's mounts may name them.
 * No cache: the host may change them while the container runs. */
static int mount_volumes(struct container *c, json_t *shares, char *err, size_t errlen) {
    size_t i;
    json_t *s;
    c->volumes = json_array();
    if (!g_cfg.guest) return 0;
    mkdir(VOLUME_DIR, 0755);
    json_array_foreach(shares, i, s) {
        const char *tag = json_string_value(json_object_get(s, "tag"));
        if (!tag || !agent_valid_id(tag)) {
            snprintf(err, errlen, "invalid volume tag '%s'", tag ? tag : "");
            return -1;
        }
        char path[300];
        snprintf(path, sizeof path, "%s/%s", VOLUME_DIR, tag);
        mkdir(path, 0755);
        unsigned long flags = json_is_true(json_object_get(s, "readonly")) ? MS_RDONLY : 0;
        if (mount(tag, path, "9p", flags, "trans=virtio,version=9p2000.L,msize=262144") < 0) {
            snprintf(err, errlen, "mount volume %s: %s", tag, strerror(errno));
            rmdir(path);
            return -1;
        }
        json_array_append_new(c->volumes, json_string(path));
        /* The agent's namespace stands for the host's: with the volume in a peer group of its own, a bind of
         * it in the container (whose tree is made a slave) is a slave of it, and slave, shared, private or
         * unbindable on the bind then show in mountinfo as runc's do on a host whose mounts are shared. */
        if (mount(NULL, path, NULL, MS_SHARED, NULL) < 0) {
            snprintf(err, errlen, "volume %s: make shared: %s", tag, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static void unmount_volumes(struct container *c) {
    size_t i;
    json_t *p;
    json_array_foreach(c->volumes, i, p) {
        umount2(json_string_value(p), MNT_DETACH);
        rmdir(json_string_value(p));
    }
    json_decref(c->volumes);
    c->volumes = NULL;
}

static void remove_container(struct container *c) {
    char path[1100];
    unmount_volumes(c);
    /* A member still running keeps its bind of it. */
    if (c->shm_own && umount2(c->shm, MNT_DETACH) == 0) rmdir(c->shm);
    snprintf(path, sizeof path, "%s/root", c->dir);
    rmdir(path);
    rmdir(c->dir);
    /* Killed processes may leave the cgroup a moment after their namespace's init was reaped. */
    for (int tries = 0; c->cgroup[0] && rmdir(c->cgroup) < 0 && errno == EBUSY && tries < 100; tries++) {
        process_reap();
        usleep(10000);
    }
    for (struct container **cc = &g_containers; *cc; cc = &(*cc)->next) {
        if (*cc == c) {
            *cc = c->next;
            break;
        }
    }
    if (c->start_fd >= 0) close(c->start_fd);
    if (c->exec_err_fd >= 0) close(c->exec_err_fd);
    json_decref(c->linux_cfg);
    json_decref(c->process);
    free(c);
}

json_t *do_create(json_t *req, char *err, size_t errlen) {
    const char *id = json_string_value(json_object_get(req, "container"));
    if (!agent_valid_id(id)) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "invalid container id '%s'", id ? id : "");
        return NULL;
    }
    if (container_find(id)) {
        fail_code(AE_EEXIST);
        snprintf(err, errlen, "container '%s' already exists", id);
        return NULL;
    }
    struct container *c = calloc(1, sizeof *c);
    if (!c) abort();
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->dir, sizeof c->dir, "%s/%s", g_cfg.state_dir, id);
    c->start_fd = c->exec_err_fd = -1;
    c->next = g_containers;
    g_containers = c;
    char sub[1100];
    /* 0711: a container's root in a user namespace only passes through, to root/. */
    mkdir(c->dir, 0711);
    snprintf(sub, sizeof sub, "%s/root", c->dir);
    mkdir(sub, 0755);
    if (g_cfg.cgroup_root[0]) {
        snprintf(c->cgroup, sizeof c->cgroup, "%s/%s", g_cfg.cgroup_root, id);
        if (mkdir(c->cgroup, 0755) < 0 && errno != EEXIST) {
            logmsg("no cgroup for %s: %s", id, strerror(errno));
            c->cgroup[0] = 0;
        }
    }
    json_t *linux_cfg = json_object_get(req, "linux");
    if (json_is_object(linux_cfg)) c->linux_cfg = json_incref(linux_cfg);
    c->process = json_incref(json_object_get(req, "process"));
    struct process *p = NULL;
    if (root_in_share(c, json_object_get(req, "root"), err, errlen) < 0) {
        remove_container(c);
        return NULL;
    }
    /* Limits are in place before the process joins the cgroup, so nothing it does goes uncounted. */
    json_t *res = json_object_get(linux_cfg, "resources");
    if ((!c->cgroup[0] || (cgroup_apply(c->cgroup, res, err, errlen) == 0 &&
                           devices_apply(c->cgroup, json_object_get(res, "devices"),
                                         json_object_get(linux_cfg, "devices"), err, errlen) == 0)) &&
        mount_volumes(c, json_object_get(req, "shares"), err, errlen) == 0)
        p = spawn(c, NULL, req, json_object_get(req, "process"), 1, err, errlen);
    if (!p) {
        remove_container(c);
        return NULL;
    }
    c->init = p;
    c->userns = user_namespace(c->linux_cfg, err, errlen) == 1;
    return json_pack("{s:i}", "pid", p->pid);
}

int do_start(const char *id, char *err, size_t errlen) {
    struct container *c = container_find(id ? id : "");
    if (!c) {
        fail_code(AE_ENOENT);
        snprintf(err, errlen, "no container '%s'", id ? id : "");
        return -1;
    }
    if (c->started || c->start_fd < 0) {
        fail_code(AE_EBUSY);
        snprintf(err, errlen, "container '%s' was already started", id);
        return -1;
    }
    c->started = 1;
    if (write(c->start_fd, "g", 1) != 1) {
        snprintf(err, errlen, "container '%s' is gone", id);
        return -1;
    }
    close(c->start_fd);
    c->start_fd = -1;
    char e[600];
    ssize_t n = read(c->exec_err_fd, e, sizeof e - 1);
    close(c->exec_err_fd);
    c->exec_err_fd = -1;
    if (n > 0) {
        e[n] = 0;
        snprintf(err, errlen, "%s", e);
        return -1;
    }
    return 0;
}

json_t *do_exec(json_t *req, char *err, size_t errlen) {
    const char *id = json_string_value(json_object_get(req, "container"));
    const char *exec_id = json_string_value(json_object_get(req, "exec"));
    struct container *c = container_find(id ? id : "");
    if (!c || !c->init) {
        fail_code(AE_ENOENT);
        snprintf(err, errlen, "no container '%s'", id ? id : "");
        return NULL;
    }
    if (c->init->exited) {
        fail_code(AE_EBUSY);
        snprintf(err, errlen, "container '%s' is not running", id);
        return NULL;
    }
    if (!exec_id || !*exec_id || process_find(id, exec_id)) {
        fail_code(exec_id && *exec_id ? AE_EEXIST : AE_EINVAL);
        snprintf(err, errlen, "exec needs a new, non-empty exec name (got '%s')", exec_id ? exec_id : "");
        return NULL;
    }
    json_t *process = json_object_get(req, "process");
    if (json_is_object(process)) process = exec_process(process, c->process);
    else json_incref(process);
    struct process *p = spawn(c, exec_id, req, process, 0, err, errlen);
    json_decref(process);
    if (!p) return NULL;
    return json_pack("{s:i}", "pid", p->pid);
}

static struct process *target(const char *id, const char *exec_id, char *err, size_t errlen) {
    struct process *p = process_find(id ? id : "", exec_id);
    if (!p) {
        fail_code(AE_ENOENT);
        snprintf(err, errlen, "no process '%s' in container '%s'", exec_id ? exec_id : "", id ? id : "");
    }
    return p;
}

int do_signal(const char *id, const char *exec_id, int sig, int all, char *err, size_t errlen) {
    if (sig < 1 || sig > 64) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "invalid signal %d", sig);
        return -1;
    }
    struct process *p = target(id, exec_id, err, errlen);
    if (!p) return -1;
    if (all && !exec_id) return signal_all(p->c, sig);
    if (p->exited) return 0;
    /* The first process is its namespace's init: from here, outside the namespace, the kernel delivers
     * SIGKILL and SIGSTOP, and any other signal only if the process has a handler for it (runc's
     * behaviour: a workload without a TERM handler ignores `kill TERM`, and managers go on to KILL). */
    if (kill(p->pid, sig) < 0) {
        snprintf(err, errlen, "kill %d: %s", p->pid, strerror(errno));
        return -1;
    }
    return 0;
}

int do_resize(const char *id, const char *exec_id, int rows, int cols, char *err, size_t errlen) {
    struct process *p = target(id, exec_id, err, errlen);
    if (!p) return -1;
    if (p->tty_master < 0) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "process has no terminal");
        return -1;
    }
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(p->tty_master, TIOCSWINSZ, &ws) < 0) {
        snprintf(err, errlen, "resize: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int do_delete(const char *id, char *err, size_t errlen) {
    struct container *c = container_find(id ? id : "");
    if (!c) {
        fail_code(AE_ENOENT);
        snprintf(err, errlen, "no container '%s'", id ? id : "");
        return -1;
    }
    /* Its first process is not its pid namespace's init when it shares another's: killing it would leave
     * its other processes running in the pod (and after its end they live on under the pod's init), so
     * every process of its cgroup goes (runc's rule, and containerd's on the first process's exit, when
     * the pid namespace is not the container's own). */
    if (c->shares_pidns) signal_all(c, SIGKILL);
    if (c->init && !c->init->exited) {
        kill(c->init->pid, SIGKILL);
        int st;
        if (waitpid(c->init->pid, &st, 0) == c->init->pid) {
            c->init->exited = 1;
            c->init->sig = SIGKILL;
            c->init->code = 128 + SIGKILL;
        }
    }
    process_reap();
    for (struct process *p = g_procs; p; p = p->next) {
        if (p->c != c) continue;
        if (!p->exited) {
            kill(p->pid, SIGKILL);
            if (waitpid(p->pid, NULL, 0) == p->pid) {
                p->exited = 1;
                p->sig = SIGKILL;
                p->code = 128 + SIGKILL;
            }
        }
        /* Whatever output was not sent is dropped with the container. */
        if (p->out && !p->out->ended) {
            p->out->ended = 1;
            send_frame(F_CLOSE, p->out->id, NULL, 0);
        }
        if (p->err && !p->err->ended) {
            p->err->ended = 1;
            send_frame(F_CLOSE, p->err->id, NULL, 0);
        }
        process_try_finish(p);
    }
    process_free_all_of(c);
    remove_container(c);
    return 0;
}

void delete_all(void) {
    char err[256];
    forward_close_all();
    while (g_containers) do_delete(g_containers->id, err, sizeof err);
}
