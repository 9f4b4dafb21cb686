/* hull-member: the host process whose pid is a container's pid (its "anchor").
 *
 * Its pid is what the container's manager holds (--pid-file; conmon and containerd's shim reap it) and its
 * exit status is the container's. It holds the container's stdio, which the VM owner duplicates with
 * pidfd_getfd(2), tells the VM owner its pid over one connection, and waits on that connection for the
 * container's exit code. The connection binds the two lives: if this process is killed the VM owner sees
 * the connection close and ends the container; if the VM owner dies this process exits 137, as a container
 * killed with its VM. A JVM per container would cost ~40 MiB; this costs a few hundred KiB.
 *
 * With --root (as root), what a manager reaches through /proc/PID is the container's, as with runc's
 * container process: a mount namespace whose root is the container's rootfs with its bind-mounted volumes
 * where config.json puts them (podman cp, nsenter -m), and a pid namespace of its own in which this process
 * is PID 1, with its own /proc (podman top, nsenter -p see no host process). The process started first only
 * makes the namespaces: it forks the anchor, reports the anchor's pid and exits, so the anchor is handed to
 * the nearest subreaper (the manager) at once.
 *
 * usage: hull-member SOCKET REQUEST-JSON [--fork | --root ROOTFS [--readonly] [--bind SRC DST ro|rw]...]
 *        [--rlimit RESOURCE SOFT HARD]...
 *        (run by hull; not meant to be run by hand)
 * --fork: the anchor is a child, reported and handed on as with --root, but in the caller's namespaces (not
 * root: no namespaces to make).
 *
 * Over SOCKET it sends {"pid":N,"member":REQUEST-JSON}, then "warn <why>" lines for volumes it could not
 * show, then "ready" or "error <why>", then "signal N" for each signal it is sent (passed on to the
 * workload); it reads back one line, the exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOST 137 /* 128 + SIGKILL: what a container killed with its VM reports */
#define MAX_BINDS 512
#define MAX_LIMITS 32

/* config.json's process.rlimits, as runc's container process has them: /proc/PID/limits is the
 * container's. Set last (a low RLIMIT_NOFILE would refuse this process its own sockets) and best effort (a
 * limit this host will not raise stays as it is): the workload's own are the guest's. */
struct limit {
    int resource;
    struct rlimit value;
};

struct bind {
    const char *src;
    const char *dst;
    int readonly;
    int tree; /* the source's mount tree, cloned before the root changes */
};

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One line to the VM owner; what does not fit in a line is cut. */
static void say(int fd, const char *kind, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *c = msg; *c; c++)
        if (*c == '\n') *c = ' ';
    char line[600];
    int n = snprintf(line, sizeof line, "%s%s%s\n", kind, *msg ? " " : "", msg);
    if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
    write_all(fd, line, (size_t)n);
}

/* mkdir -p inside the current root: an absolute symlink in the image resolves inside it, not on the host. */
static int make_parents(const char *path) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return -1;
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

/* Where a volume goes: a folder for a folder, an empty file for anything else, as runc makes them. */
static int make_target(const char *dst, int tree) {
    struct stat src, st;
    if (fstat(tree, &src) < 0 || make_parents(dst) < 0) return -1;
    if (stat(dst, &st) == 0) return 0;
    if (S_ISDIR(src.st_mode)) return mkdir(dst, 0755) < 0 && errno != EEXIST ? -1 : 0;
    int fd = open(dst, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

/* The container's root as this process's: rootfs pivoted to /, its volumes on top, a /proc of its own. */
static int enter_root(int sock, const char *rootfs, int readonly, struct bind *binds, int nbinds) {
    /* Nothing mounted here may reach the host, virtiofsd's view or the guest's share. */
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
        say(sock, "error", "make the mount namespace a slave: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < nbinds; i++) {
        binds[i].tree = (int)open_tree(AT_FDCWD, binds[i].src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (binds[i].tree < 0) say(sock, "warn", "volume %s: %s", binds[i].src, strerror(errno));
    }
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0 ||
        syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        say(sock, "error", "make %s the root: %s", rootfs, strerror(errno));
        return -1;
    }
    for (int i = 0; i < nbinds; i++) {
        if (binds[i].tree < 0) continue;
        if (make_target(binds[i].dst, binds[i].tree) < 0 ||
            move_mount(binds[i].tree, "", AT_FDCWD, binds[i].dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
            say(sock, "warn", "volume %s at %s: %s", binds[i].src, binds[i].dst, strerror(errno));
        } else if (binds[i].readonly) {
            struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
            if (mount_setattr(binds[i].tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
                say(sock, "warn", "volume %s read-only: %s", binds[i].dst, strerror(errno));
        }
        close(binds[i].tree);
    }
    if (readonly && mount("/", "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        say(sock, "warn", "root read-only: %s", strerror(errno));
    struct stat st;
    if (stat("/proc", &st) == 0 && S_ISDIR(st.st_mode) &&
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        say(sock, "warn", "mount /proc: %s", strerror(errno));
    return 0;
}

static int connect_to(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "hull-member: socket path too long\n");
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "hull-member: cannot reach the container's VM at %s: %s\n", path, strerror(errno));
        return -1;
    }
    return fd;
}

/* The signals a manager or a person may send the container's pid directly (runc's container process is
 * the workload: they reach it); each is passed on as "signal N" and the VM owner delivers it in the guest.
 * SIGKILL cannot be caught: it ends this process, and so the container. */
static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

/* The forwarded signals, blocked, as a signalfd (-1 when there is none: then they are not passed on). */
static int forwarded_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) sigaddset(&set, FORWARDED[i]);
    int sfd = -1;
    if (sigprocmask(SIG_BLOCK, &set, NULL) == 0) sfd = signalfd(-1, &set, SFD_CLOEXEC);
    /* Ignored until now (the caller's terminal); an ignored signal is dropped, not queued for signalfd. */
    signal(SIGHUP, SIG_DFL);
    return sfd;
}

/* Waits for one line back, the exit code, passing signals on meanwhile; nothing (the VM owner is gone):
 * killed with the VM. Longer input is not an exit code: read at most what one needs. */
static int await_exit_code(int fd, int sfd) {
    char line[16];
    size_t len = 0;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        if (poll(p, sfd < 0 ? 1 : 2, -1) < 0) {
            if (errno == EINTR) continue;
            return LOST;
        }
        struct signalfd_siginfo si;
        if (sfd >= 0 && (p[1].revents & POLLIN) && read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
            say(fd, "signal", "%u", si.ssi_signo);
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t r = read(fd, line + len, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return LOST;
        if (line[len] == '\n') break;
        if (++len == sizeof line - 1) return LOST;
    }
    line[len] = 0;
    char *end;
    long code = strtol(line, &end, 10);
    if (end == line || *end || code < 0 || code > 255) return LOST;
    return (int)code;
}

static int usage(void) {
    fprintf(stderr, "usage: hull-member SOCKET REQUEST-JSON [--fork | --root ROOTFS [--readonly] [--bind SRC DST"
                    " ro|rw]...]"
                    " (started by hull)\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    const char *rootfs = NULL;
    int readonly = 0, nbinds = 0, forks = 0, dropped = 0;
    static struct bind binds[MAX_BINDS];
    struct limit limits[MAX_LIMITS];
    int nlimits = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--root") && i + 1 < argc) {
            rootfs = argv[++i];
            forks = 1;
        } else if (!strcmp(argv[i], "--fork")) {
            forks = 1;
        } else if (!strcmp(argv[i], "--readonly")) {
            readonly = 1;
        } else if (!strcmp(argv[i], "--rlimit") && i + 3 < argc) {
            if (nlimits < MAX_LIMITS)
                limits[nlimits++] = (struct limit){atoi(argv[i + 1]), {strtoull(argv[i + 2], NULL, 10),
                                                                        strtoull(argv[i + 3], NULL, 10)}};
            i += 3;
        } else if (!strcmp(argv[i], "--bind") && i + 3 < argc && argv[i + 2][0] == '/') {
            if (nbinds < MAX_BINDS)
                binds[nbinds++] = (struct bind){argv[i + 1], argv[i + 2], !strcmp(argv[i + 3], "ro"), -1};
            else
                dropped++;
            i += 3;
        } else {
            return usage();
        }
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* Like a shim: its own session, so it outlives the caller's terminal and process group. */
    setsid();
    int sock = connect_to(argv[1]);
    if (sock < 0) return 1;
    pid_t anchor = getpid();
    int gate[2] = {-1, -1};
    if (forks) {
        if (pipe2(gate, O_CLOEXEC) < 0 || (rootfs && unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)) {
            say(sock, "error", "new mount and pid namespaces: %s", strerror(errno));
            return 1;
        }
        anchor = fork();
        if (anchor < 0) {
            say(sock, "error", "fork: %s", strerror(errno));
            return 1;
        }
    }
    if (anchor != 0) {
        char head[64];
        int n = snprintf(head, sizeof head, "{\"pid\":%ld,\"member\":", (long)anchor);
        if (write_all(sock, head, (size_t)n) < 0 || write_all(sock, argv[2], strlen(argv[2])) < 0 ||
            write_all(sock, "}\n", 2) < 0)
            return 1;
        if (forks) return 0; /* the anchor goes on; its pid is reported */
    } else {
        /* The anchor (PID 1 of its pid namespace) speaks once its pid line is out. */
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
        }
        close(gate[0]);
        /* Whatever nsenter puts in this pid namespace and leaves behind is reaped by the kernel. */
        signal(SIGCHLD, SIG_IGN);
        if (dropped) say(sock, "warn", "%d volumes past the first %d", dropped, MAX_BINDS);
        if (rootfs && enter_root(sock, rootfs, readonly, binds, nbinds) < 0) return 1;
    }
    int sfd = forwarded_signals();
    for (int i = 0; i < nlimits; i++)
        if (setrlimit(limits[i].resource, &limits[i].value) < 0)
            say(sock, "warn", "rlimit %d: %s", limits[i].resource, strerror(errno));
    say(sock, "ready", "");
    return await_exit_code(sock, sfd);
}
