/* Port forwarding: a TCP connection to 127.0.0.1:PORT in the VM (the pod's network namespace), relayed on
 * two streams the host names, one each way. Why: containerd's port-forward dials 127.0.0.1:PORT inside the
 * pod's namespace on the host, where the shim catches it (docs/architecture.md, "Port forwarding"). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "agent.h"

struct forward {
    int fd;
    struct stream *in, *out;
    int in_done, out_done;
    struct forward *next;
};

static struct forward *forwards;
static int forward_count;

/* Connections the host may hold open at once: each is a socket and two streams of the agent's memory. */
#define MAX_FORWARDS 256
/* A loopback connect answers at once, unless the server's accept queue is full: then it waits this long. */
#define CONNECT_TIMEOUT_MS 1000

static int stream_id_ok(json_int_t v) { return v > 0 && v <= UINT32_MAX && !stream_find((uint32_t)v); }

int do_forward(json_t *req, char *err, size_t errlen) {
    json_int_t port = json_integer_value(json_object_get(req, "port"));
    json_int_t in = json_integer_value(json_object_get(req, "in"));
    json_int_t out = json_integer_value(json_object_get(req, "out"));
    if (port < 1 || port > 65535) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "port %lld is not a TCP port", (long long)port);
        return -1;
    }
    if (in <= 0 || in > UINT32_MAX || out <= 0 || out > UINT32_MAX || in == out) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "'in' and 'out' must be two different stream ids");
        return -1;
    }
    if (!stream_id_ok(in) || !stream_id_ok(out)) {
        fail_code(AE_EEXIST);
        snprintf(err, errlen, "stream %lld or %lld is in use", (long long)in, (long long)out);
        return -1;
    }
    if (forward_count >= MAX_FORWARDS) {
        fail_code(AE_EBUSY);
        snprintf(err, errlen, "%d forwarded connections are open already", MAX_FORWARDS);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = 0, .tv_usec = CONNECT_TIMEOUT_MS * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(err, errlen, "connect to 127.0.0.1:%lld: %s", (long long)port, strerror(errno));
        close(fd);
        return -1;
    }
    struct forward *f = calloc(1, sizeof *f);
    if (!f) abort();
    f->fd = fd;
    f->in = stream_new((uint32_t)in, 0, fd, NULL);
    f->out = stream_new((uint32_t)out, 1, fd, NULL);
    f->in->fwd = f;
    f->out->fwd = f;
    f->next = forwards;
    forwards = f;
    forward_count++;
    return 0;
}

/* One direction is over: the host closed its side (in), or the server's did (out). The socket is half
 * closed at once, so each end sees the other's end-of-file as over TCP; it is closed when both are over. */
void forward_stream_done(struct stream *s) {
    struct forward *f = s->fwd;
    if (s == f->in && !f->in_done) {
        f->in_done = 1;
        shutdown(f->fd, SHUT_WR);
    } else if (s == f->out && !f->out_done) {
        f->out_done = 1;
        shutdown(f->fd, SHUT_RD);
    }
}

/* The host's CLOSE on the out stream: nobody reads what the server sends any more. The CLOSE back comes
 * after every DATA frame already queued, so the host knows when none is left in flight. */
void forward_abandon_output(struct stream *s) {
    if (s->ended) return;
    s->ended = 1;
    stream_close_fd(s);
    send_frame(F_CLOSE, s->id, NULL, 0);
}

static void forward_free(struct forward *f) {
    f->in->fwd = f->out->fwd = NULL;
    f->in->fd = f->out->fd = -1;
    stream_release(f->in);
    stream_release(f->out);
    close(f->fd);
    forward_count--;
    free(f);
}

/* Called by the loop between events, never from a stream's own handler (which still holds it). */
void forward_reap(void) {
    for (struct forward **pp = &forwards; *pp;) {
        struct forward *f = *pp;
        if (f->in->ended && f->out->ended && f->in_done && f->out_done) {
            *pp = f->next;
            forward_free(f);
        } else {
            pp = &f->next;
        }
    }
}

void forward_close_all(void) {
    while (forwards) {
        struct forward *f = forwards;
        forwards = f->next;
        forward_free(f);
    }
}
