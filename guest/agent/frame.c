/* Frame headers: encoding, decoding and what the host may send. Pure, so test/agent_test.c checks it. */
#include <stdio.h>
#include "agent.h"

void frame_put32(unsigned char *p, uint32_t v) {
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

uint32_t frame_get32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void frame_header_encode(unsigned char out[FRAME_HEADER], uint32_t len, int type, uint32_t stream) {
    frame_put32(out, len);
    out[4] = (unsigned char)type;
    frame_put32(out + 5, stream);
}

void frame_header_decode(const unsigned char in[FRAME_HEADER], struct frame_header *h) {
    h->len = frame_get32(in);
    h->type = in[4];
    h->stream = frame_get32(in + 5);
}

int frame_check(const struct frame_header *h, char *msg, size_t msglen) {
    if (h->len > MAX_PAYLOAD) {
        snprintf(msg, msglen, "frame payload of %u bytes exceeds %u; skipped", h->len, MAX_PAYLOAD);
        return -1;
    }
    if (h->type < F_REQUEST || h->type > F_CREDIT) {
        snprintf(msg, msglen, "unknown frame type %d", h->type);
        return -1;
    }
    int control = h->type == F_REQUEST || h->type == F_RESPONSE || h->type == F_EVENT;
    if (control != (h->stream == 0)) {
        snprintf(msg, msglen, "frame of type %d on stream %u", h->type, h->stream);
        return -1;
    }
    if (h->type == F_RESPONSE || h->type == F_EVENT) {
        snprintf(msg, msglen, "the host may not send frames of type %d", h->type);
        return -1;
    }
    if (h->type == F_CREDIT && h->len != 4) {
        snprintf(msg, msglen, "CREDIT on stream %u has %u bytes, not 4", h->stream, h->len);
        return -1;
    }
    return 0;
}
