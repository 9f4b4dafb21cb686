/* Requests: parse, route to the handler, answer. Every failure is an answer, never a crash. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "agent.h"

int g_shutdown_requested;
static uint64_t shutdown_id;

static const char *str(json_t *req, const char *key) { return json_string_value(json_object_get(req, key)); }

void dispatch_request(const char *payload, size_t len) {
    json_error_t jerr;
    json_t *req = json_loadb(payload, len, 0, &jerr);
    if (!json_is_object(req)) {
        send_error(0, "malformed request: %s", req ? "not a JSON object" : jerr.text);
        json_decref(req);
        return;
    }
    json_t *idv = json_object_get(req, "id");
    if (!json_is_integer(idv) || json_integer_value(idv) <= 0) {
        send_error(0, "request without a positive numeric id");
        json_decref(req);
        return;
    }
    uint64_t id = (uint64_t)json_integer_value(idv);
    const char *op = str(req, "op");
    char err[1024] = "";
    if (!op) {
        send_error(id, "request without an op");
    } else if (strcmp(op, "hello") == 0) {
        json_int_t v = json_integer_value(json_object_get(req, "version"));
        struct utsname u;
        uname(&u);
        if (v != PROTOCOL_VERSION)
            send_error(id, "protocol version %lld is not supported (this agent speaks %d)", (long long)v,
                       PROTOCOL_VERSION);
        else
            send_result(id, json_pack("{s:i,s:s,s:s,s:s,s:o}", "version", PROTOCOL_VERSION, "agent", AGENT_VERSION,
                                      "kernel", u.release, "mode", g_cfg.guest ? "guest" : "host", "clock",
                                      clock_info()));
    } else if (strcmp(op, "create") == 0) {
        json_t *r = do_create(req, err, sizeof err);
        if (r) send_result(id, r);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "start") == 0) {
        if (do_start(str(req, "container"), err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "exec") == 0) {
        json_t *r = do_exec(req, err, sizeof err);
        if (r) send_result(id, r);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "signal") == 0) {
        if (do_signal(str(req, "container"), str(req, "exec"), (int)json_integer_value(json_object_get(req, "signal")),
                      json_is_true(json_object_get(req, "all")), err, sizeof err) == 0)
            send_result(id, NULL);
        else
            send_error(id, "%s", err);
    } else if (strcmp(op, "resize") == 0) {
        if (do_resize(str(req, "container"), str(req, "exec"), (int)json_integer_value(json_object_get(req, "rows")),
                      (int)json_integer_value(json_object_get(req, "cols")), err, sizeof err) == 0)
            send_result(id, NULL);
        else
            send_error(id, "%s", err);
    } else if (strcmp(op, "wait") == 0) {
        struct process *p = process_find(str(req, "container") ? str(req, "container") : "", str(req, "exec"));
        if (!p) {
            send_error(id, "no process '%s' in container '%s'", str(req, "exec") ? str(req, "exec") : "",
                       str(req, "container") ? str(req, "container") : "");
        } else {
            json_array_append_new(p->waiters, json_integer((json_int_t)id));
            process_try_finish(p);
        }
    } else if (strcmp(op, "update") == 0) {
        struct container *c = container_find(str(req, "container") ? str(req, "container") : "");
        if (!c) send_error(id, "no container '%s'", str(req, "container") ? str(req, "container") : "");
        else if (do_update(c, json_object_get(req, "resources"), err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "settime") == 0) {
        json_t *r = g_cfg.guest ? do_settime(req, err, sizeof err) : NULL;
        if (r) send_result(id, r);
        else send_error(id, "%s", g_cfg.guest ? err : "settime: the host's clock is not the agent's to set in host mode");
    } else if (strcmp(op, "freeze") == 0) {
        struct container *c = container_find(str(req, "container") ? str(req, "container") : "");
        if (!c) send_error(id, "no container '%s'", str(req, "container") ? str(req, "container") : "");
        else if (do_freeze(c, json_is_true(json_object_get(req, "frozen")), err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "ps") == 0 || strcmp(op, "stats") == 0) {
        struct container *c = container_find(str(req, "container") ? str(req, "container") : "");
        if (!c) {
            send_error(id, "no container '%s'", str(req, "container") ? str(req, "container") : "");
        } else if (op[0] == 'p') {
            send_result(id, do_ps(c));
        } else {
            json_t *r = do_stats(c, err, sizeof err);
            if (r) send_result(id, r);
            else send_error(id, "%s", err);
        }
    } else if (strcmp(op, "delete") == 0) {
        if (do_delete(str(req, "container"), err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "network") == 0) {
        if (do_network(req, err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "dns") == 0) {
        if (dns_answer(req, err, sizeof err) == 0) send_result(id, NULL);
        else send_error(id, "%s", err);
    } else if (strcmp(op, "shutdown") == 0) {
        delete_all();
        g_shutdown_requested = 1;
        shutdown_id = id;
        send_result(id, NULL);
    } else {
        send_error(id, "unknown request '%s'", op);
    }
    json_decref(req);
}
