/* hull-agent: PID 1 of a Hull VM, or a host process serving one unix socket (host mode, for tests). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

#define MAX_POLL 4096

static int sigfd = -1;
static int terminated; /* host mode: SIGTERM or SIGINT */

/* Reads the signalfd dry: children are reaped, a termination request is noted. */
static void on_signals(void) {
    struct signalfd_siginfo si;
    while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        if (si.ssi_signo != SIGCHLD) terminated = 1;
    process_reap();
}

static void usage(void) {
    fprintf(stderr, "usage: hull-agent (--listen PATH | --connect PATH) --rootfs DIR [--cgroup-root DIR] [--debug]\n"
                    "       as PID 1 of a Hull VM it takes no arguments\n");
    exit(2);
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Serves one connection until it ends (0) or shutdown was asked (1). */
static int serve(int guest_waiting_for_host) {
    struct pollfd pfd[MAX_POLL];
    uint32_t ids[MAX_POLL];
    int connected = !guest_waiting_for_host;
    for (;;) {
        int n = 0;
        pfd[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
        int conn_slot = -1;
        if (connected) {
            conn_slot = n;
            pfd[n++] = (struct pollfd){.fd = conn_fd(), .events = POLLIN | (conn_wants_write() ? POLLOUT : 0)};
        }
        int dns_slot = -1;
        if (connected && dns_relay_fd() >= 0) {
            dns_slot = n;
            pfd[n++] = (struct pollfd){.fd = dns_relay_fd(), .events = POLLIN};
        }
        int first_stream = n;
        for (struct stream *s = g_streams; s && n < MAX_POLL; s = s->next) {
            short ev = 0;
            if (s->fd < 0) continue;
            if (s->out && !s->ended && s->window > 0) ev = POLLIN;
            if (!s->out && s->len > 0) ev = POLLOUT;
            if (!ev) continue;
            ids[n] = s->id;
            pfd[n++] = (struct pollfd){.fd = s->fd, .events = ev};
        }
        int rc = poll(pfd, (nfds_t)n, connected ? -1 : 5);
        if (rc < 0 && errno != EINTR) {
            logmsg("poll: %s", strerror(errno));
            return 0;
        }
        if (pfd[0].revents & POLLIN) on_signals();
        if (terminated) return 1;
        if (!connected) {
            /* Until the host opens its end, the port reads as EOF (and polls as POLLHUP, so it is not
             * polled meanwhile): EAGAIN or bytes mean the host is there. */
            if (conn_on_readable() == 0 || conn_seen_frame()) connected = 1;
        } else if (conn_slot >= 0 && pfd[conn_slot].revents) {
            short re = pfd[conn_slot].revents;
            if ((re & POLLOUT) && conn_on_writable() < 0) return 0;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                if (conn_on_readable() < 0) {
                    /* A virtio-serial port reads as EOF whenever the host end is closed: before the
                     * first frame that is a host not there yet (or one that looked and left), not a
                     * host gone for good. */
                    if (guest_waiting_for_host && !conn_seen_frame()) {
                        connected = 0;
                        continue;
                    }
                    return 0;
                }
            }
        }
        if (dns_slot >= 0 && (pfd[dns_slot].revents & POLLIN)) dns_on_readable();
        for (int i = first_stream; i < n; i++) {
            if (!pfd[i].revents) continue;
            struct stream *s = stream_find(ids[i]); /* a request may have removed it meanwhile */
            if (!s || s->fd < 0) continue;
            if (s->out) stream_readable(s);
            else stream_writable(s);
        }
        forward_reap();
        process_sweep();
        if (connected && conn_wants_write() && conn_on_writable() < 0) return 0;
        if (g_shutdown_requested) return 1;
    }
}

/* Sends what is queued, then waits (bounded) for the host to close its end, so the answer is not lost. */
static void drain_and_wait_for_close(void) {
    long end = now_ms() + 2000;
    while (now_ms() < end) {
        struct pollfd p = {.fd = conn_fd(), .events = POLLIN | (conn_wants_write() ? POLLOUT : 0)};
        if (poll(&p, 1, 50) < 0 && errno != EINTR) return;
        if ((p.revents & POLLOUT) && conn_on_writable() < 0) return;
        if (!conn_wants_write() && (p.revents & (POLLIN | POLLHUP))) {
            char buf[4096];
            ssize_t r = read(conn_fd(), buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return;
        }
    }
}

static int unix_socket(const char *path, int do_listen) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "hull-agent: socket path too long: %s\n", path);
        exit(2);
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (do_listen) {
        unlink(path);
        if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) return -1;
    } else if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        return -1;
    }
    return fd;
}

static void setup_signals(int host) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    /* Host mode: killed politely, the agent takes its containers with it, as on shutdown. */
    if (host) {
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
    }
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    /* Writing to a process that closed its stdin must be an error, not the agent's death. */
    signal(SIGPIPE, SIG_IGN);
}

static void remove_tree_dir(const char *dir) {
    rmdir(dir);
}

int main(int argc, char **argv) {
    g_cfg.own_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (getpid() == 1) {
        g_cfg.guest = 1;
        int port = guest_boot();
        g_cfg.own_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        setup_signals(0);
        if (port < 0) guest_poweroff();
        conn_init(port);
        int asked = serve(1);
        /* A template (hull.template=1) outlives its hosts until one clones it: the host that booted it
         * leaves after hello, and each clone, restored from its saved state, is here with a host of its own. */
        while (!asked && g_cfg.template_vm) {
            delete_all();
            debugmsg("host gone from a template: waiting for the next one");
            conn_init(port);
            asked = serve(1);
        }
        delete_all();
        if (asked) drain_and_wait_for_close();
        debugmsg("powering off (%s)", asked ? "shutdown" : "host gone");
        guest_poweroff();
    }

    const char *listen_path = NULL, *connect_path = NULL, *rootfs = NULL, *cgroup_root = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) listen_path = argv[++i];
        else if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc) connect_path = argv[++i];
        else if (strcmp(argv[i], "--rootfs") == 0 && i + 1 < argc) rootfs = argv[++i];
        else if (strcmp(argv[i], "--cgroup-root") == 0 && i + 1 < argc) cgroup_root = argv[++i];
        else if (strcmp(argv[i], "--debug") == 0) g_debug = 1;
        else usage();
    }
    if ((!listen_path == !connect_path) || !rootfs) usage();
    if (geteuid() != 0) {
        fprintf(stderr, "hull-agent: host mode needs root (namespaces, mounts)\n");
        return 1;
    }
    struct stat st;
    if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hull-agent: --rootfs %s is not a directory\n", rootfs);
        return 2;
    }
    if (!realpath(rootfs, g_cfg.share)) return 2;
    if (cgroup_root) snprintf(g_cfg.cgroup_root, sizeof g_cfg.cgroup_root, "%s", cgroup_root);
    snprintf(g_cfg.state_dir, sizeof g_cfg.state_dir, "/tmp/hull-agent-XXXXXX");
    if (!mkdtemp(g_cfg.state_dir)) {
        perror("hull-agent: mkdtemp");
        return 1;
    }
    /* A container's root in a user namespace (uid 100000...) must pass through here to its mount point. */
    chmod(g_cfg.state_dir, 0711);
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    setup_signals(1);
    int rc = 0;
    if (connect_path) {
        int fd = unix_socket(connect_path, 0);
        if (fd < 0) {
            fprintf(stderr, "hull-agent: connect %s: %s\n", connect_path, strerror(errno));
            rc = 1;
        } else {
            fcntl(fd, F_SETFL, O_NONBLOCK);
            conn_init(fd);
            if (serve(0) && !terminated) drain_and_wait_for_close();
        }
    } else {
        int lfd = unix_socket(listen_path, 1);
        if (lfd < 0) {
            fprintf(stderr, "hull-agent: listen on %s: %s\n", listen_path, strerror(errno));
            rc = 1;
        }
        while (lfd >= 0 && !terminated) {
            struct pollfd p[2] = {{.fd = lfd, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}};
            if (poll(p, 2, -1) < 0 && errno != EINTR) break;
            if (p[1].revents & POLLIN) on_signals();
            if (!(p[0].revents & POLLIN)) continue;
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
                break;
            }
            conn_init(fd);
            int asked = serve(0);
            delete_all();
            if (asked && !terminated) drain_and_wait_for_close();
            close(fd);
            if (asked) break;
        }
        unlink(listen_path);
    }
    delete_all();
    remove_tree_dir(g_cfg.state_dir);
    return rc;
}
