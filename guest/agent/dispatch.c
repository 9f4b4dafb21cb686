/* Requests: parse, route to the handler, answer. Every failure is an answer, never a crash. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "agent.h"

int g_shutdown_requested;
static enum agent_err failure = AE_EFAIL;

void fail_code(enum agent_err e) { failure = e; }

static const char *str(json_t *req, const char *key) { return json_string_value(json_object_get(req, key)); }
static json_int_t num(json_t *req, const char *key) { return json_integer_value(json_object_get(req, key)); }

/* The container a request names, or NULL after answering that there is none. */
static struct container *named(uint64_t id, json_t *req) {
    struct container *c = container_find(str(req, "container"));
    if (!c) send_error(id, AE_ENOENT, "no container '%s'", str(req, "container"));
    return c;
}

/* Answers a handler's outcome: its result (rc 0, or r non-NULL) or its error in err. */
static void answer(uint64_t id, int ok, json_t *r, const char *err) {
    if (ok) send_result(id, r);
    else send_error(id, failure, "%s", err);
}

void dispatch_request(const char *payload, size_t len) {
    json_t *req;
    uint64_t id;
    enum agent_op op;
    enum agent_err code;
    char err[1024] = "";
    if (request_parse(payload, len, &req, &id, &op, &code, err, sizeof err) < 0) {
        send_error(id, code, "%s", err);
        json_decref(req);
        return;
    }
    failure = AE_EFAIL;
    struct container *c;
    json_t *r;
    switch (op) {
    case OP_hello: {
        int v = hello_negotiate(req, err, sizeof err);
        struct utsname u;
        uname(&u);
        if (v < 0) send_error(id, AE_EPROTO, "%s", err);
        else send_result(id, hello_result(v, u.release, g_cfg.guest, clock_info()));
        break;
    }
    case OP_create:
        r = do_create(req, err, sizeof err);
        answer(id, r != NULL, r, err);
        break;
    case OP_start: answer(id, do_start(str(req, "container"), err, sizeof err) == 0, NULL, err); break;
    case OP_exec:
        r = do_exec(req, err, sizeof err);
        answer(id, r != NULL, r, err);
        break;
    case OP_signal:
        answer(id, do_signal(str(req, "container"), str(req, "exec"), (int)num(req, "signal"),
                             json_is_true(json_object_get(req, "all")), err, sizeof err) == 0, NULL, err);
        break;
    case OP_resize:
        answer(id, do_resize(str(req, "container"), str(req, "exec"), (int)num(req, "rows"), (int)num(req, "cols"),
                             err, sizeof err) == 0, NULL, err);
        break;
    case OP_wait: {
        struct process *p = process_find(str(req, "container"), str(req, "exec"));
        if (!p) {
            send_error(id, AE_ENOENT, "no process '%s' in container '%s'", str(req, "exec") ? str(req, "exec") : "",
                       str(req, "container"));
        } else {
            json_array_append_new(p->waiters, json_integer((json_int_t)id));
            process_try_finish(p);
        }
        break;
    }
    case OP_update:
        if ((c = named(id, req)))
            answer(id, do_update(c, json_object_get(req, "resources"), err, sizeof err) == 0, NULL, err);
        break;
    case OP_settime:
        if (!g_cfg.guest) {
            send_error(id, AE_ENOTSUP, "settime: the host's clock is not the agent's to set in host mode");
            break;
        }
        r = do_settime(req, err, sizeof err);
        answer(id, r != NULL, r, err);
        break;
    case OP_freeze:
        if ((c = named(id, req)))
            answer(id, do_freeze(c, json_is_true(json_object_get(req, "frozen")), err, sizeof err) == 0, NULL, err);
        break;
    case OP_ps:
        if ((c = named(id, req))) send_result(id, do_ps(c));
        break;
    case OP_stats:
        if ((c = named(id, req))) {
            r = do_stats(c, err, sizeof err);
            answer(id, r != NULL, r, err);
        }
        break;
    case OP_delete: answer(id, do_delete(str(req, "container"), err, sizeof err) == 0, NULL, err); break;
    case OP_network: answer(id, do_network(req, err, sizeof err) == 0, NULL, err); break;
    case OP_forward: answer(id, do_forward(req, err, sizeof err) == 0, NULL, err); break;
    case OP_dns: answer(id, dns_answer(req, err, sizeof err) == 0, NULL, err); break;
    case OP_clone: answer(id, do_clone(req, err, sizeof err) == 0, NULL, err); break;
    case OP_shutdown:
        delete_all();
        g_shutdown_requested = 1;
        send_result(id, NULL);
        break;
    case OP_COUNT: break;
    }
    json_decref(req);
}
