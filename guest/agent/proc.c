/* Streams (stdio relayed with per-stream windows) and the processes they belong to. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent.h"

struct container *g_containers;
struct process *g_procs;
struct stream *g_streams;

struct stream *stream_find(uint32_t id) {
    for (struct stream *s = g_streams; s; s = s->next)
        if (s->id == id) return s;
    return NULL;
}

struct stream *stream_new(uint32_t id, int out, int fd, struct process *p) {
    struct stream *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->id = id;
    s->out = out;
    s->fd = fd;
    s->window = INITIAL_WINDOW;
    s->proc = p;
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    s->next = g_streams;
    g_streams = s;
    return s;
}

void stream_close_fd(struct stream *s) {
    if (s->fwd) {
        forward_stream_done(s);
        s->fd = -1;
        return;
    }
    if (s->fd >= 0 && !s->fd_shared) close(s->fd);
    s->fd = -1;
}

static void stream_end_output(struct stream *s) {
    if (s->ended) return;
    s->ended = 1;
    stream_close_fd(s);
    send_frame(F_CLOSE, s->id, NULL, 0);
    if (s->proc) process_try_finish(s->proc);
}

void stream_readable(struct stream *s) {
    char buf[MAX_DATA];
    size_t want = s->window < sizeof buf ? s->window : sizeof buf;
    if (want == 0) return;
    ssize_t n = read(s->fd, buf, want);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        /* EIO on a pty master: every slave is closed, the terminal is over. */
        stream_end_output(s);
        return;
    }
    if (n == 0) {
        stream_end_output(s);
        return;
    }
    s->window -= (uint32_t)n;
    send_frame(F_DATA, s->id, buf, (size_t)n);
}

void stream_writable(struct stream *s) {
    while (s->len > 0) {
        ssize_t n = write(s->fd, s->buf, s->len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return;
            /* The process closed its stdin: what is left can never be written. */
            send_credit(s->id, (uint32_t)s->len);
            s->len = 0;
            stream_close_fd(s);
            return;
        }
        memmove(s->buf, s->buf + n, s->len - (size_t)n);
        s->len -= (size_t)n;
        send_credit(s->id, (uint32_t)n);
    }
    if (s->ended && !s->fd_shared) stream_close_fd(s);
}

void stream_on_data(uint32_t id, const char *data, size_t len) {
    struct stream *s = stream_find(id);
    if (!s || s->out) {
        send_event_error("DATA for unknown stream %u", id);
        return;
    }
    if (s->fd < 0 || s->ended) {
        /* The process is gone: the bytes are dropped, and credited so the host is not stuck. */
        send_credit(id, (uint32_t)len);
        return;
    }
    if (s->len + len > INITIAL_WINDOW) {
        send_event_error("stdin stream %u overran its window", id);
        send_credit(id, (uint32_t)len);
        return;
    }
    if (s->len + len > s->cap) {
        s->cap = s->len + len;
        s->buf = realloc(s->buf, s->cap);
        if (!s->buf) abort();
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    stream_writable(s);
}

void stream_on_close(uint32_t id) {
    struct stream *s = stream_find(id);
    if (!s) {
        send_event_error("CLOSE for unknown stream %u", id);
        return;
    }
    if (s->out) {
        if (s->fwd) forward_abandon_output(s);
        return; /* the host no longer reads it; the process finds out through the window */
    }
    s->ended = 1;
    if (s->len == 0 && !s->fd_shared) stream_close_fd(s);
}

void stream_on_credit(uint32_t id, uint32_t bytes) {
    struct stream *s = stream_find(id);
    if (!s) return; /* credits may trail a stream that ended */
    /* A host that over-credits must not wrap the window round to a small number. */
    s->window = bytes > UINT32_MAX - s->window ? UINT32_MAX : s->window + bytes;
}

void stream_release(struct stream *s) {
    if (!s) return;
    stream_close_fd(s);
    for (struct stream **pp = &g_streams; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    free(s->buf);
    free(s);
}

struct container *container_find(const char *id) {
    for (struct container *c = g_containers; c; c = c->next)
        if (strcmp(c->id, id) == 0) return c;
    return NULL;
}

struct process *process_find(const char *container, const char *exec_id) {
    for (struct process *p = g_procs; p; p = p->next)
        if (strcmp(p->c->id, container) == 0 && strcmp(p->exec_id, exec_id ? exec_id : "") == 0) return p;
    return NULL;
}

static int output_done(struct stream *s) { return !s || s->ended; }

/* Answers the waiters once the process has ended and every output byte has been sent. */
void process_try_finish(struct process *p) {
    if (!p->exited || !output_done(p->out) || !output_done(p->err)) return;
    if (p->tty_master >= 0) {
        /* The terminal is over: later stdin bytes are dropped (and credited), resize is an error. */
        if (p->in) {
            p->in->fd = -1;
            if (p->in->len) send_credit(p->in->id, (uint32_t)p->in->len);
            p->in->len = 0;
        }
        if (p->out) p->out->fd = -1;
        close(p->tty_master);
        p->tty_master = -1;
    }
    size_t i;
    json_t *id;
    /* A container's first process: the OOM kills in its cgroup by its end, so a host that reports OOMs
     * (the containerd v2 shim's TaskOOM, which must come before the exit) needs no stats round trip. */
    long long oom_kills = p->c->init == p && json_array_size(p->waiters) > 0 ? container_oom_kills(p->c) : -1;
    json_array_foreach(p->waiters, i, id) {
        json_t *result = json_pack("{s:i,s:i}", "code", p->code, "signal", p->sig);
        if (oom_kills >= 0) json_object_set_new(result, "oomKills", json_integer(oom_kills));
        send_result((uint64_t)json_integer_value(id), result);
    }
    /* An exec's record is the host's to collect with a wait: once one has its end, it goes (not here: a
     * caller may still hold it), so a container's execs (a probe every few seconds, for months) do not pile
     * up, and the name is free again, as containerd reuses an exec id after deleting the exec. */
    if (json_array_size(p->waiters) > 0 && p->c->init != p) p->collected = 1;
    json_array_clear(p->waiters);
}

static void record_status(struct process *p, int status) {
    p->exited = 1;
    if (WIFSIGNALED(status)) {
        p->sig = WTERMSIG(status);
        p->code = 128 + p->sig;
    } else {
        p->sig = 0;
        p->code = WEXITSTATUS(status);
    }
    debugmsg("%s/%s (pid %d) ended: code %d signal %d", p->c->id, p->exec_id, p->pid, p->code, p->sig);
}

void process_reap(void) {
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        for (struct process *p = g_procs; p; p = p->next) {
            if (p->pid == pid && !p->exited) {
                record_status(p, status);
                /* The first process of a container in a shared pid namespace is not its init, so its end
                 * takes nothing with it: what it left (orphans, execs) holds its output open and would live
                 * on under the pod's init. It goes, as a pid namespace's does with its init, and as
                 * containerd kills the rest of runc's container then. */
                if (p->c->init == p && p->c->shares_pidns) signal_all(p->c, SIGKILL);
                if (p->c->init == p && p->c->start_fd >= 0) {
                    close(p->c->start_fd);
                    p->c->start_fd = -1;
                }
                process_try_finish(p);
                break;
            }
        }
    }
}

static void process_free(struct process *p) {
    if (p->out && p->out->fd_shared) p->out->fd = -1;
    if (p->in && p->in->fd_shared) p->in->fd = -1;
    if (p->tty_master >= 0) close(p->tty_master);
    stream_release(p->in);
    stream_release(p->out);
    stream_release(p->err);
    json_decref(p->waiters);
    free(p);
}

void process_discard(struct process *p) {
    for (struct process **pp = &g_procs; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    }
    process_free(p);
}

void process_free_all_of(struct container *c) {
    for (struct process **pp = &g_procs; *pp;) {
        struct process *p = *pp;
        if (p->c != c) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        process_free(p);
    }
}

void process_sweep(void) {
    for (struct process **pp = &g_procs; *pp;) {
        struct process *p = *pp;
        if (!p->collected) {
            pp = &p->next;
            continue;
        }
        *pp = p->next;
        process_free(p);
    }
}
