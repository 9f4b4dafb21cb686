/* What the agent sends on stream 0: answers and events, as JSON objects (docs/agent-protocol.md). Pure, so
 * test/agent_test.c compares them with the golden files. */
#include "agent.h"

json_t *reply_result(uint64_t id, json_t *result) {
    return json_pack("{s:I,s:o}", "id", (json_int_t)id, "result", result ? result : json_object());
}

json_t *reply_error(uint64_t id, enum agent_err code, const char *msg) {
    return json_pack("{s:I,s:{s:s,s:s}}", "id", (json_int_t)id, "error", "code", agent_err_name(code), "message",
                     msg);
}

json_t *event_error(const char *msg) {
    return json_pack("{s:s,s:s}", "event", "error", "message", msg);
}

json_t *event_dns(uint32_t id, const char *query_b64) {
    return json_pack("{s:s,s:I,s:s}", "event", "dns", "id", (json_int_t)id, "query", query_b64);
}
