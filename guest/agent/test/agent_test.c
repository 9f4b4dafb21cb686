/* Unit tests of the agent's code that makes no syscalls (frame.c, request.c, reply.c, process_rules.c,
 * base64.c), the protocol's against the golden files the Java tests check too (src/test/resources/golden/agent/).
 * No root, no mounts.
 * usage: agent-test GOLDEN_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../agent.h"
#include "../spawn.h"

static const char *golden_dir;
static int checks, failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
        }                                                                  \
    } while (0)

static json_t *golden(const char *name) {
    char path[1024];
    json_error_t err;
    snprintf(path, sizeof path, "%s/%s", golden_dir, name);
    json_t *j = json_load_file(path, 0, &err);
    CHECK(j != NULL, "golden file %s: %s", path, err.text);
    return j ? j : json_object();
}

/* A JSON value compared with a golden file; steals actual. */
static void same_as_golden(json_t *actual, const char *name) {
    json_t *g = golden(name);
    char *a = json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS), *b = json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(json_equal(actual, g), "%s: built %s, golden %s", name, a, b);
    free(a);
    free(b);
    json_decref(actual);
    json_decref(g);
}

struct parsed {
    int rc;
    uint64_t id;
    enum agent_op op;
    enum agent_err code;
    char msg[1024];
};

static struct parsed parse_text(const char *text, size_t len) {
    struct parsed p = {0};
    json_t *req;
    p.rc = request_parse(text, len, &req, &p.id, &p.op, &p.code, p.msg, sizeof p.msg);
    json_decref(req);
    return p;
}

static struct parsed parse(json_t *req) {
    char *text = json_dumps(req, JSON_COMPACT);
    struct parsed p = parse_text(text, strlen(text));
    free(text);
    return p;
}

static void test_framing(void) {
    unsigned char h[FRAME_HEADER];
    frame_header_encode(h, 2, F_DATA, 0x01020304);
    static const unsigned char want[FRAME_HEADER] = {0, 0, 0, 2, 4, 1, 2, 3, 4};
    CHECK(memcmp(h, want, FRAME_HEADER) == 0, "header is length, type, stream, big-endian");
    struct frame_header d;
    frame_header_decode(h, &d);
    CHECK(d.len == 2 && d.type == F_DATA && d.stream == 0x01020304, "header decodes to what was encoded");

    char msg[128];
    struct frame_header ok[] = {{10, F_REQUEST, 0}, {5, F_DATA, 1}, {0, F_CLOSE, 1}, {4, F_CREDIT, 9},
                                {MAX_PAYLOAD, F_REQUEST, 0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        CHECK(frame_check(&ok[i], msg, sizeof msg) == 0, "frame %zu is one the host may send: %s", i, msg);
    struct {
        struct frame_header h;
        const char *why;
    } bad[] = {
        {{MAX_PAYLOAD + 1, F_REQUEST, 0}, "exceeds"},
        {{0xfffffff0u, F_DATA, 1}, "exceeds"},
        {{1, 0, 0}, "unknown frame type 0"},
        {{1, 7, 1}, "unknown frame type 7"},
        {{1, F_REQUEST, 3}, "on stream 3"},
        {{1, F_DATA, 0}, "on stream 0"},
        {{1, F_RESPONSE, 0}, "may not send"},
        {{1, F_EVENT, 0}, "may not send"},
        {{3, F_CREDIT, 1}, "not 4"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg[0] = 0;
        CHECK(frame_check(&bad[i].h, msg, sizeof msg) < 0 && strstr(msg, bad[i].why),
              "bad frame %zu refused with '%s' (said '%s')", i, bad[i].why, msg);
    }
    struct frame_header nine = {1, 9, 0};
    frame_check(&nine, msg, sizeof msg);
    same_as_golden(event_error(msg), "event.error.json");
}

static void test_json_limits(void) {
    static const struct {
        const char *text;
        enum agent_err code;
        const char *why;
    } bad[] = {
        {"not json", AE_EPROTO, "malformed request"},
        {"", AE_EPROTO, "malformed request"},
        {"[1]", AE_EPROTO, "not a JSON object"},
        {"{\"op\":\"start\",\"container\":\"c\"}", AE_EPROTO, "positive numeric id"},
        {"{\"id\":0,\"op\":\"shutdown\"}", AE_EPROTO, "positive numeric id"},
        {"{\"id\":-4,\"op\":\"shutdown\"}", AE_EPROTO, "positive numeric id"},
        {"{\"id\":\"1\",\"op\":\"shutdown\"}", AE_EPROTO, "positive numeric id"},
        {"{\"id\":1.5,\"op\":\"shutdown\"}", AE_EPROTO, "positive numeric id"},
        {"{\"id\":1}", AE_EPROTO, "without an op"},
        {"{\"id\":1,\"op\":7}", AE_EPROTO, "without an op"},
        {"{\"id\":1,\"op\":\"nosuch\"}", AE_ENOSYS, "unknown request 'nosuch'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct parsed p = parse_text(bad[i].text, strlen(bad[i].text));
        CHECK(p.rc < 0 && p.code == bad[i].code && strstr(p.msg, bad[i].why),
              "%s: %s '%s' (got %s '%s')", bad[i].text, agent_err_name(bad[i].code), bad[i].why,
              agent_err_name(p.code), p.msg);
    }
    struct parsed nosuch = parse_text("{\"id\":5,\"op\":\"nosuch\"}", 22);
    CHECK(nosuch.id == 5, "an unknown op is answered under its id (got %llu)", (unsigned long long)nosuch.id);

    /* Nesting deeper than jansson parses is a malformed request, not a crash. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 64);
    size_t n = (size_t)sprintf(deep, "{\"id\":1,\"op\":\"ps\",\"container\":\"c\",\"x\":");
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    deep[n + 2 * depth] = '}';
    struct parsed p = parse_text(deep, n + 2 * depth + 1);
    CHECK(p.rc < 0 && p.code == AE_EPROTO, "a request nested %zu deep is EPROTO (got '%s')", depth, p.msg);
    free(deep);

    /* Container ids: at most MAX_ID_LENGTH of runc's characters, never a path. */
    char id[MAX_ID_LENGTH + 2];
    memset(id, 'a', sizeof id - 1);
    id[MAX_ID_LENGTH] = 0;
    CHECK(agent_valid_id(id), "an id of %d characters is valid", MAX_ID_LENGTH);
    id[MAX_ID_LENGTH] = 'a';
    id[MAX_ID_LENGTH + 1] = 0;
    CHECK(!agent_valid_id(id), "an id of %d characters is not", MAX_ID_LENGTH + 1);
    static const char *bad_ids[] = {"", ".", "..", "a/b", "../x", "a b", "é"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
        CHECK(!agent_valid_id(bad_ids[i]), "'%s' is no container id", bad_ids[i]);
    CHECK(agent_valid_id("web_1.a+b-c"), "runc's characters make an id");
    json_t *create = golden("create.request.json");
    json_object_set_new(create, "container", json_string(id));
    p = parse(create);
    CHECK(p.rc < 0 && p.code == AE_EINVAL && strstr(p.msg, "invalid container id"),
          "create with a %d-character id is EINVAL (got '%s')", MAX_ID_LENGTH + 1, p.msg);
    json_decref(create);
}

/* The declared fields of an op, one at a time: name, type, required. */
static const char *next_field(const char *spec, char name[64], char type[8], int *required) {
    int n = 0;
    if (!spec || sscanf(spec, " %63[^:]:%7[a-z!]%n", name, type, &n) != 2) return NULL;
    size_t tl = strlen(type);
    *required = tl && type[tl - 1] == '!';
    if (*required) type[tl - 1] = 0;
    return spec + n;
}

static void test_ops(void) {
    for (int op = 0; op < OP_COUNT; op++) {
        const char *name = agent_op_name((enum agent_op)op);
        char file[128];
        snprintf(file, sizeof file, "%s.request.json", name);
        json_t *req = golden(file);
        struct parsed p = parse(req);
        CHECK(p.rc == 0 && p.op == (enum agent_op)op, "%s parses and validates: %s", file, p.msg);
        CHECK(p.id == (uint64_t)json_integer_value(json_object_get(req, "id")), "%s keeps its id", file);
        CHECK(agent_op_fields((enum agent_op)op) != NULL, "op %s declares its fields", name);

        /* Each field the host writes is one the agent reads, and each declared one is in the file. */
        const char *key;
        json_t *v;
        json_object_foreach(req, key, v) {
            if (strcmp(key, "id") == 0 || strcmp(key, "op") == 0) continue;
            char fname[64], ftype[8];
            int required, found = 0;
            for (const char *s = agent_op_fields((enum agent_op)op); (s = next_field(s, fname, ftype, &required));)
                found |= strcmp(fname, key) == 0;
            CHECK(found, "%s: field '%s' is declared in request.c", file, key);
        }
        char fname[64], ftype[8];
        int required;
        for (const char *s = agent_op_fields((enum agent_op)op); (s = next_field(s, fname, ftype, &required));) {
            /* hello's "version" is a host's from before ranges: read, no longer written. */
            if (!(op == OP_hello && strcmp(fname, "version") == 0))
                CHECK(json_object_get(req, fname) != NULL, "%s carries declared field '%s'", file, fname);
            json_t *without = json_deep_copy(req);
            json_object_del(without, fname);
            p = parse(without);
            if (required)
                CHECK(p.rc < 0 && p.code == AE_EINVAL && strstr(p.msg, fname),
                      "%s without required '%s' is EINVAL naming it (got '%s')", name, fname, p.msg);
            else
                CHECK(p.rc == 0, "%s without optional '%s' is fine (got '%s')", name, fname, p.msg);
            json_object_set_new(without, fname, strcmp(ftype, "s") == 0 || strcmp(ftype, "id") == 0
                                                    ? json_integer(7) : json_string("7"));
            p = parse(without);
            char want[128];
            snprintf(want, sizeof want, "'%s' must be", fname);
            CHECK(p.rc < 0 && p.code == AE_EINVAL && strstr(p.msg, want),
                  "%s with '%s' of the wrong type is EINVAL naming it (got '%s')", name, fname, p.msg);
            json_object_set_new(without, fname, json_null());
            p = parse(without);
            CHECK((p.rc == 0) == !required, "%s with '%s' null is as without it (got '%s')", name, fname, p.msg);
            json_decref(without);
        }
        json_decref(req);
    }
}

static void test_hello(void) {
    char msg[256];
    json_t *req = golden("hello.request.json");
    CHECK(hello_negotiate(req, msg, sizeof msg) == PROTOCOL_MAX_VERSION, "the host's hello settles: %s", msg);
    json_decref(req);
    static const struct {
        const char *req;
        int version;
        const char *why;
    } cases[] = {
        {"{\"version\":1}", 1, NULL},
        {"{\"minVersion\":1,\"maxVersion\":9}", PROTOCOL_MAX_VERSION, NULL},
        {"{\"minVersion\":2,\"maxVersion\":3}", -1, "the host speaks protocol versions 2 to 3, this agent 1 to 1"},
        {"{\"version\":7}", -1, "the host speaks protocol versions 7 to 7, this agent 1 to 1"},
        {"{}", -1, "hello needs minVersion and maxVersion"},
        {"{\"minVersion\":3,\"maxVersion\":2}", -1, "hello needs minVersion and maxVersion"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *r = json_loads(cases[i].req, 0, NULL);
        msg[0] = 0;
        int v = hello_negotiate(r, msg, sizeof msg);
        CHECK(v == cases[i].version && (!cases[i].why || strstr(msg, cases[i].why) == msg),
              "hello %s: %d '%s' (got %d '%s')", cases[i].req, cases[i].version, cases[i].why ? cases[i].why : "",
              v, msg);
        json_decref(r);
    }
    json_t *clock = json_pack("{s:s,s:s,s:i}", "clocksource", "tsc", "clockevent", "lapic", "resolution", 1);
    same_as_golden(reply_result(1, hello_result(1, "6.1.0-hull", 1, clock)), "hello.reply.json");
}

static void test_replies(void) {
    for (int op = 0; op < OP_COUNT; op++) {
        char file[128];
        snprintf(file, sizeof file, "%s.reply.json", agent_op_name((enum agent_op)op));
        json_t *g = golden(file);
        json_t *result = json_object_get(g, "result");
        uint64_t id = (uint64_t)json_integer_value(json_object_get(g, "id"));
        CHECK(json_is_object(result) && id > 0, "%s is a result under an id", file);
        /* An empty result is what a handler answering NULL sends. */
        same_as_golden(reply_result(id, json_object_size(result) ? json_deep_copy(result) : NULL), file);
        json_decref(g);
    }
    same_as_golden(reply_error(3, AE_ENOENT, "no container 'db'"), "error.reply.json");
    same_as_golden(event_dns(17, "AAE="), "event.dns.json");
    for (int e = 0; e < AE_COUNT; e++)
        for (int f = 0; f < e; f++)
            CHECK(strcmp(agent_err_name((enum agent_err)e), agent_err_name((enum agent_err)f)) != 0,
                  "error codes %d and %d differ", e, f);
}

static json_t *json(const char *text) {
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    CHECK(j != NULL, "test JSON %s: %s", text, e.text);
    return j ? j : json_object();
}

/* The sets a capabilities object gives, as runc reads it; -1 when it is refused. */
static int parse_caps(const char *text, int last, struct caps *out) {
    char err[256] = "";
    json_t *j = text ? json(text) : NULL;
    int rc = caps_parse(j, last, out, err, sizeof err);
    CHECK(rc == 0 || err[0], "%s: refused without a reason", text);
    json_decref(j);
    return rc;
}

static int no_caps(const struct caps *c) {
    for (int s = 0; s < CAPS_SETS; s++)
        if (c->sets[s]) return 0;
    return 1;
}

static void test_capabilities(void) {
    struct caps c;
    CHECK(parse_caps(NULL, 40, &c) == 0 && no_caps(&c), "no capabilities object: every set empty");
    CHECK(parse_caps("null", 40, &c) == 0 && no_caps(&c), "capabilities null: every set empty");
    /* containerd's, podman's and docker's "drop ALL". */
    CHECK(parse_caps("{}", 40, &c) == 0 && no_caps(&c), "capabilities {}: every set empty");
    CHECK(parse_caps("{\"bounding\":[],\"effective\":[],\"permitted\":[]}", 40, &c) == 0 && no_caps(&c),
          "empty lists: every set empty");
    CHECK(parse_caps("{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],\"effective\":[\"CAP_KILL\"]}", 40, &c) == 0 &&
              c.sets[CS_BOUNDING] == 0x21 && c.sets[CS_EFFECTIVE] == 0x20 && c.sets[CS_PERMITTED] == 0 &&
              c.sets[CS_INHERITABLE] == 0 && c.sets[CS_AMBIENT] == 0,
          "the sets left out are empty, the others as given");
    CHECK(parse_caps("{\"ambient\":[\"CAP_BPF\",\"CAP_KILL\"]}", 38, &c) == 0 && c.sets[CS_AMBIENT] == 0x20,
          "a capability past the kernel's last is skipped");
    /* runc warns and leaves it out (the host logs the warning). */
    CHECK(parse_caps("{\"bounding\":[\"CAP_TEST\",\"CAP_KILL\"]}", 40, &c) == 0 && c.sets[CS_BOUNDING] == 0x20,
          "an unknown capability is left out, the others kept");
    CHECK(parse_caps("{\"bounding\":[5]}", 40, &c) < 0, "a capability that is not a string is refused");
    CHECK(parse_caps("{\"bounding\":\"CAP_KILL\"}", 40, &c) < 0, "a set that is not a list is refused");
    CHECK(parse_caps("[]", 40, &c) < 0, "capabilities that are not an object are refused");
}

/* The exec's process as the agent runs it, compact with sorted keys. */
static char *exec_as_run(const char *exec, const char *container) {
    json_t *e = json(exec), *c = container ? json(container) : NULL;
    json_t *p = exec_process(e, c);
    char *text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(e);
    json_decref(c);
    json_decref(p);
    return text;
}

static void check_exec(const char *exec, const char *container, const char *want) {
    char *got = exec_as_run(exec, container);
    CHECK(got && strcmp(got, want) == 0, "exec %s in a container of %s: got %s, want %s", exec,
          container ? container : "(none)", got ? got : "(null)", want);
    free(got);
}

static void test_exec_inherits(void) {
    const char *container = "{\"args\":[\"sleep\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},"
                            "\"oomScoreAdj\":500,\"noNewPrivileges\":true,\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
                            "\"hard\":9,\"soft\":9}],\"user\":{\"uid\":5,\"gid\":5,\"umask\":63}}";
    /* runc: a process.json without capabilities gets the container's; noNewPrivileges, rlimits and user stay
     * the exec's own (absent: false, the runtime's limits, root). */
    check_exec("{\"args\":[\"id\"]}", container,
               "{\"args\":[\"id\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"oomScoreAdj\":500}");
    check_exec("{\"args\":[\"id\"],\"capabilities\":null,\"oomScoreAdj\":null}", container,
               "{\"args\":[\"id\"],\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"oomScoreAdj\":500}");
    check_exec("{\"args\":[\"id\"],\"capabilities\":{},\"oomScoreAdj\":700}", container,
               "{\"args\":[\"id\"],\"capabilities\":{},\"oomScoreAdj\":700}");
    check_exec("{\"args\":[\"id\"]}", "{\"args\":[\"sleep\"]}", "{\"args\":[\"id\"]}");
    check_exec("{\"args\":[\"id\"]}", NULL, "{\"args\":[\"id\"]}");
}

/* clone's entropy: base64 of CLONE_MIN_ENTROPY to CLONE_MAX_ENTROPY bytes, anything else EINVAL naming it. */
static int entropy_of(const char *text, unsigned char *out, char *msg, size_t msglen) {
    json_t *req = json_pack("{s:s}", "entropy", text);
    msg[0] = 0;
    int n = clone_entropy(req, out, msg, msglen);
    json_decref(req);
    return n;
}

static void test_clone(void) {
    unsigned char out[CLONE_MAX_ENTROPY], bytes[CLONE_MAX_ENTROPY + 1];
    char msg[256], text[2 * sizeof bytes];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(i * 7 + 1);

    json_t *req = golden("clone.request.json");
    struct parsed p = parse(req);
    int n = clone_entropy(req, out, msg, sizeof msg);
    CHECK(p.rc == 0 && n == 32, "the golden clone carries 32 bytes (got %d: '%s')", n, msg);
    for (int i = 0; i < 32 && n == 32; i++) CHECK(out[i] == i, "entropy byte %d is %d (got %d)", i, i, out[i]);
    json_object_del(req, "entropy");
    p = parse(req);
    CHECK(p.rc < 0 && p.code == AE_EINVAL && strstr(p.msg, "'entropy'"), "clone without entropy is EINVAL (got '%s')",
          p.msg);
    json_decref(req);

    static const size_t good[] = {CLONE_MIN_ENTROPY, CLONE_MIN_ENTROPY + 1, CLONE_MIN_ENTROPY + 2, CLONE_MAX_ENTROPY};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        b64_encode(bytes, good[i], text);
        n = entropy_of(text, out, msg, sizeof msg);
        CHECK(n == (int)good[i] && memcmp(out, bytes, good[i]) == 0, "%zu bytes of entropy are taken (got %d: '%s')",
              good[i], n, msg);
    }
    static const size_t bad[] = {0, 1, CLONE_MIN_ENTROPY - 1, CLONE_MAX_ENTROPY + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b64_encode(bytes, bad[i], text);
        n = entropy_of(text, out, msg, sizeof msg);
        CHECK(n < 0 && strstr(msg, "'entropy' must be 32 to 512 bytes"),
              "%zu bytes of entropy are refused (got %d: '%s')", bad[i], n, msg);
    }
    static const char *not_base64[] = {"not base64!", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=x",
                                       "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 "};
    for (size_t i = 0; i < sizeof not_base64 / sizeof not_base64[0]; i++) {
        n = entropy_of(not_base64[i], out, msg, sizeof msg);
        CHECK(n < 0 && strstr(msg, "'entropy' is not base64"), "'%s' is not base64 (got %d: '%s')", not_base64[i], n,
              msg);
    }
}

static void check_cpuset(const char *host, int ncpus, const char *want) {
    char got[64] = "";
    int rc = cpuset_for_guest(host, ncpus, got, sizeof got);
    CHECK(want ? rc == 0 && strcmp(got, want) == 0 : rc < 0, "cpuset %s on %d vCPUs: got %s (%d), want %s", host,
          ncpus, got, rc, want ? want : "refused");
}

static void check_cpu_max(long long quota, long long period, const char *want) {
    char got[64] = "";
    int rc = cpu_max_text(quota, period, got, sizeof got);
    CHECK(want ? rc == 1 && strcmp(got, want) == 0 : rc == 0, "cpu.max for quota %lld period %lld: got %s, want %s",
          quota, period, rc ? got : "(nothing)", want ? want : "(nothing)");
}

static void test_resources(void) {
    /* docker run --cpuset-cpus 0-1 on a 2-CPU host, in a VM of 1 vCPU. */
    check_cpuset("0-1", 1, "0");
    check_cpuset("1", 1, "0");
    check_cpuset("0-1", 2, "0-1");
    check_cpuset("1", 2, "1");
    check_cpuset("0,2-3,9", 4, "0-3");
    check_cpuset("5", 4, "1");
    check_cpuset("0-1000000", 2, "0-1");
    check_cpuset("a", 2, NULL);
    check_cpuset("3-1", 2, NULL);
    check_cpuset("1,", 2, "1");
    /* runc's zeroes: docker update sends a period of 0. */
    check_cpu_max(0, 0, NULL);
    check_cpu_max(50000, 0, "50000 100000");
    check_cpu_max(0, 20000, "max 20000");
    check_cpu_max(-1, 0, "max 100000");
    check_cpu_max(25000, 50000, "25000 50000");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: agent-test GOLDEN_DIR\n");
        return 2;
    }
    golden_dir = argv[1];
    test_framing();
    test_json_limits();
    test_ops();
    test_hello();
    test_replies();
    test_capabilities();
    test_exec_inherits();
    test_resources();
    test_clone();
    printf("agent-test: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
