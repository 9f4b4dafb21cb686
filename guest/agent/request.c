/* What a request must look like: the ops, their fields, hello's versions, clone's entropy. Pure (no syscalls),
 * so the unit tests (test/agent_test.c) run it on the golden files the Java side writes. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"

#define AGENT_OP_NAME(name) #name,
static const char *const op_names[OP_COUNT] = {AGENT_OPS(AGENT_OP_NAME)};

#define AGENT_ERR_NAME(name) #name,
static const char *const err_names[AE_COUNT] = {AGENT_ERRORS(AGENT_ERR_NAME)};

/* Each op's fields: NAME:TYPE, TYPE one of s (string), id (a container id), i (integer), b (true or
 * false), o (object), a (array); '!' after it: required. A field absent or null is left out; fields not
 * named here are ignored (an older agent reads a newer host's request). */
static const char *const op_fields[OP_COUNT] = {
    [OP_hello] = "minVersion:i maxVersion:i version:i",
    [OP_create] = "container:id! hostname:s readonly:b process:o! mounts:a stdio:o shares:a sysctl:o linux:o "
                  "root:s join:o",
    [OP_start] = "container:s!",
    [OP_exec] = "container:s! exec:s! process:o! stdio:o",
    [OP_signal] = "container:s! exec:s signal:i! all:b",
    [OP_resize] = "container:s! exec:s rows:i! cols:i!",
    [OP_wait] = "container:s! exec:s",
    [OP_ps] = "container:s!",
    [OP_stats] = "container:s!",
    [OP_update] = "container:s! resources:o",
    [OP_delete] = "container:s!",
    [OP_network] = "interfaces:a routes:a dnsRelay:s",
    [OP_dns] = "query:i! answer:s!",
    [OP_shutdown] = "",
    [OP_settime] = "realtime:i!",
    [OP_freeze] = "container:s! frozen:b",
    [OP_forward] = "port:i! in:i! out:i!",
    [OP_clone] = "entropy:s! macs:a",
};

const char *agent_op_fields(enum agent_op op) { return op >= 0 && op < OP_COUNT ? op_fields[op] : NULL; }
const char *agent_op_name(enum agent_op op) { return op >= 0 && op < OP_COUNT ? op_names[op] : NULL; }
const char *agent_err_name(enum agent_err e) { return e >= 0 && e < AE_COUNT ? err_names[e] : "EFAIL"; }

int agent_valid_id(const char *id) {
    if (!id || !*id || strlen(id) > MAX_ID_LENGTH || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return 0;
    for (const char *p = id; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.' || *p == '+')) return 0;
    return 1;
}

static const char *type_words(const char *type) {
    switch (type[0]) {
    case 's': return "a string";
    case 'i': return type[1] == 'd' ? "a container id" : "an integer";
    case 'b': return "true or false";
    case 'o': return "an object";
    default: return "an array";
    }
}

static int has_type(json_t *v, const char *type) {
    switch (type[0]) {
    case 's': return json_is_string(v);
    case 'i': return type[1] == 'd' ? json_is_string(v) : json_is_integer(v);
    case 'b': return json_is_boolean(v);
    case 'o': return json_is_object(v);
    default: return json_is_array(v);
    }
}

/* Checks req's fields against the op's declaration. */
static int check_fields(enum agent_op op, json_t *req, char *msg, size_t msglen) {
    const char *spec = op_fields[op];
    while (spec && *spec) {
        char name[64], type[8];
        int n = 0;
        if (sscanf(spec, " %63[^:]:%7[a-z!]%n", name, type, &n) != 2) break;
        spec += n;
        size_t tl = strlen(type);
        int required = tl && type[tl - 1] == '!';
        if (required) type[tl - 1] = 0;
        json_t *v = json_object_get(req, name);
        if (json_is_null(v)) v = NULL;
        if (!v && !required) continue;
        if (!v || !has_type(v, type)) {
            snprintf(msg, msglen, "%s: '%s' must be %s", op_names[op], name, type_words(type));
            return -1;
        }
        if (strcmp(type, "id") == 0 && !agent_valid_id(json_string_value(v))) {
            snprintf(msg, msglen, "invalid container id '%s'", json_string_value(v));
            return -1;
        }
    }
    return 0;
}

int request_parse(const char *payload, size_t len, json_t **out, uint64_t *id, enum agent_op *op,
                  enum agent_err *code, char *msg, size_t msglen) {
    json_error_t jerr;
    json_t *req = json_loadb(payload, len, 0, &jerr);
    *out = NULL;
    *id = 0;
    if (!json_is_object(req)) {
        snprintf(msg, msglen, "malformed request: %s", req ? "not a JSON object" : jerr.text);
        json_decref(req);
        *code = AE_EPROTO;
        return -1;
    }
    *out = req;
    json_t *idv = json_object_get(req, "id");
    if (!json_is_integer(idv) || json_integer_value(idv) <= 0) {
        snprintf(msg, msglen, "request without a positive numeric id");
        *code = AE_EPROTO;
        return -1;
    }
    *id = (uint64_t)json_integer_value(idv);
    const char *name = json_string_value(json_object_get(req, "op"));
    if (!name) {
        snprintf(msg, msglen, "request without an op");
        *code = AE_EPROTO;
        return -1;
    }
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(name, op_names[i]) == 0) {
            *op = (enum agent_op)i;
            *code = AE_EINVAL;
            return check_fields(*op, req, msg, msglen);
        }
    snprintf(msg, msglen, "unknown request '%s'", name);
    *code = AE_ENOSYS;
    return -1;
}

int clone_entropy(json_t *req, unsigned char *out, char *msg, size_t msglen) {
    const char *text = json_string_value(json_object_get(req, "entropy"));
    size_t cap = (text ? strlen(text) : 0) / 4 * 3 + 3; /* room for whatever it decodes to */
    unsigned char *bytes = malloc(cap);
    int n = text && bytes ? b64_decode(text, bytes, cap) : -1;
    if (n < 0) snprintf(msg, msglen, "'entropy' is not base64");
    else if (n < CLONE_MIN_ENTROPY || n > CLONE_MAX_ENTROPY)
        snprintf(msg, msglen, "'entropy' must be %d to %d bytes, not %d", CLONE_MIN_ENTROPY,
                 CLONE_MAX_ENTROPY, n);
    else memcpy(out, bytes, (size_t)n);
    free(bytes);
    return n < CLONE_MIN_ENTROPY || n > CLONE_MAX_ENTROPY ? -1 : n;
}

int hello_negotiate(json_t *req, char *msg, size_t msglen) {
    /* A host from before the ranges sends only "version": the range of that one. */
    json_t *v = json_object_get(req, "version");
    json_t *lo = json_object_get(req, "minVersion"), *hi = json_object_get(req, "maxVersion");
    json_int_t min = json_integer_value(lo ? lo : v), max = json_integer_value(hi ? hi : v);
    if (min < 1 || max < min) {
        snprintf(msg, msglen, "hello needs minVersion and maxVersion (1 <= minVersion <= maxVersion)");
        return -1;
    }
    json_int_t best = max < PROTOCOL_MAX_VERSION ? max : PROTOCOL_MAX_VERSION;
    if (best < min || best < PROTOCOL_MIN_VERSION) {
        snprintf(msg, msglen, "the host speaks protocol versions %lld to %lld, this agent %d to %d",
                 (long long)min, (long long)max, PROTOCOL_MIN_VERSION, PROTOCOL_MAX_VERSION);
        return -1;
    }
    return (int)best;
}

json_t *hello_result(int version, const char *kernel, int guest, json_t *clock) {
    json_t *caps = json_array();
    for (int i = 0; i < OP_COUNT; i++) json_array_append_new(caps, json_string(op_names[i]));
    return json_pack("{s:i,s:i,s:i,s:o,s:s,s:s,s:s,s:o}", "version", version, "minVersion", PROTOCOL_MIN_VERSION,
                     "maxVersion", PROTOCOL_MAX_VERSION, "capabilities", caps, "agent", AGENT_VERSION, "kernel",
                     kernel, "mode", guest ? "guest" : "host", "clock", clock);
}
