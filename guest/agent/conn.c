/* The one connection to the host: frame parsing on the way in, a queue on the way out. The socket is
 * non-blocking and written only when poll says so, so a slow host never stalls the event loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

struct outbuf {
    char *data;
    size_t len, off;
    struct outbuf *next;
};

static int cfd = -1;
static struct outbuf *qhead, *qtail;
static char *inbuf;
static size_t inlen, incap;
static uint64_t skip;  /* payload bytes still to discard from an oversize frame */
static int seen_frame;

void conn_init(int fd) {
    cfd = fd;
    inlen = 0;
    skip = 0;
    seen_frame = 0;
    while (qhead) {
        struct outbuf *n = qhead->next;
        free(qhead->data);
        free(qhead);
        qhead = n;
    }
    qtail = NULL;
}

int conn_fd(void) { return cfd; }
int conn_wants_write(void) { return qhead != NULL; }
int conn_seen_frame(void) { return seen_frame; }

void send_frame(int type, uint32_t stream, const void *payload, size_t len) {
    struct outbuf *b = malloc(sizeof *b);
    if (!b) abort();
    b->data = malloc(FRAME_HEADER + len);
    if (!b->data) abort();
    frame_header_encode((unsigned char *)b->data, (uint32_t)len, type, stream);
    if (len) memcpy(b->data + FRAME_HEADER, payload, len);
    b->len = FRAME_HEADER + len;
    b->off = 0;
    b->next = NULL;
    if (qtail) qtail->next = b; else qhead = b;
    qtail = b;
}

void send_json(int type, json_t *obj) {
    char *s = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!s) abort();
    send_frame(type, 0, s, strlen(s));
    free(s);
}

void send_result(uint64_t id, json_t *result) {
    send_json(F_RESPONSE, reply_result(id, result));
}

void send_error(uint64_t id, enum agent_err code, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    send_json(F_RESPONSE, reply_error(id, code, msg));
}

void send_event_error(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    send_json(F_EVENT, event_error(msg));
}

void send_credit(uint32_t stream, uint32_t bytes) {
    unsigned char p[4];
    frame_put32(p, bytes);
    send_frame(F_CREDIT, stream, p, 4);
}

int conn_on_writable(void) {
    while (qhead) {
        ssize_t n = write(cfd, qhead->data + qhead->off, qhead->len - qhead->off);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            return -1;
        }
        qhead->off += (size_t)n;
        if (qhead->off < qhead->len) return 0;
        struct outbuf *done = qhead;
        qhead = qhead->next;
        if (!qhead) qtail = NULL;
        free(done->data);
        free(done);
    }
    return 0;
}

static void handle_frame(const struct frame_header *h, const char *payload) {
    char why[128];
    seen_frame = 1;
    if (frame_check(h, why, sizeof why) < 0) {
        send_event_error("%s", why);
        return;
    }
    switch (h->type) {
    case F_REQUEST: dispatch_request(payload, h->len); break;
    case F_DATA: stream_on_data(h->stream, payload, h->len); break;
    case F_CLOSE: stream_on_close(h->stream); break;
    case F_CREDIT: stream_on_credit(h->stream, frame_get32((const unsigned char *)payload)); break;
    }
}

int conn_on_readable(void) {
    if (incap - inlen < 65536) {
        incap = incap ? incap * 2 : 131072;
        inbuf = realloc(inbuf, incap);
        if (!inbuf) abort();
    }
    ssize_t n = read(cfd, inbuf + inlen, incap - inlen);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
    if (n == 0) return -1;
    inlen += (size_t)n;
    size_t off = 0;
    for (;;) {
        if (skip) {
            size_t take = inlen - off < skip ? inlen - off : (size_t)skip;
            off += take;
            skip -= take;
            if (skip) break;
        }
        if (inlen - off < FRAME_HEADER) break;
        struct frame_header h;
        frame_header_decode((const unsigned char *)inbuf + off, &h);
        if (h.len > MAX_PAYLOAD) {
            char why[128];
            frame_check(&h, why, sizeof why);
            send_event_error("%s", why);
            seen_frame = 1;
            off += FRAME_HEADER;
            skip = h.len;
            continue;
        }
        if (inlen - off < FRAME_HEADER + (size_t)h.len) break;
        handle_frame(&h, inbuf + off + FRAME_HEADER);
        off += FRAME_HEADER + h.len;
    }
    memmove(inbuf, inbuf + off, inlen - off);
    inlen -= off;
    return 0;
}
