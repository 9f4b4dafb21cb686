/* linux.seccomp: the OCI profile compiled with libseccomp, the way runc reads it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <seccomp.h>
#include "agent.h"
#include "spawn.h"

static const struct { const char *name; enum scmp_compare op; } OPS[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* An OCI action (with its errnoRet, EPERM when absent) as libseccomp's; 0 with err set when unknown. */
static int action(const char *name, json_t *errno_ret, uint32_t *out, char *err, size_t errlen) {
    int ret = json_is_integer(errno_ret) ? (int)json_integer_value(errno_ret) : EPERM;
    if (!name) name = "(none)";
    if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0) *out = SCMP_ACT_KILL_THREAD;
    else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0) *out = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(name, "SCMP_ACT_TRAP") == 0) *out = SCMP_ACT_TRAP;
    else if (strcmp(name, "SCMP_ACT_ERRNO") == 0) *out = SCMP_ACT_ERRNO((uint32_t)ret);
    else if (strcmp(name, "SCMP_ACT_TRACE") == 0) *out = SCMP_ACT_TRACE((uint32_t)ret);
    else if (strcmp(name, "SCMP_ACT_ALLOW") == 0) *out = SCMP_ACT_ALLOW;
    else if (strcmp(name, "SCMP_ACT_LOG") == 0) *out = SCMP_ACT_LOG;
    else {
        /* SCMP_ACT_NOTIFY needs a listener (runc's seccomp agent socket): Hull has none. */
        snprintf(err, errlen, "linux.seccomp: action %s is not supported", name);
        return -1;
    }
    return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64". */
static int add_arch(scmp_filter_ctx ctx, const char *name, char *err, size_t errlen) {
    char lower[64];
    const char *s = name && strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : "";
    size_t n = 0;
    for (; s[n] && n + 1 < sizeof lower; n++) lower[n] = (char)tolower((unsigned char)s[n]);
    lower[n] = 0;
    uint32_t arch = n ? seccomp_arch_resolve_name(lower) : 0;
    if (!arch) {
        snprintf(err, errlen, "linux.seccomp: unknown architecture '%s'", name ? name : "(none)");
        return -1;
    }
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) { /* the native one is in every filter already */
        snprintf(err, errlen, "linux.seccomp: architecture %s: %s", name, strerror(-rc));
        return -1;
    }
    return 0;
}

static int set_flag(scmp_filter_ctx ctx, const char *flag, char *err, size_t errlen) {
    enum scmp_filter_attr attr;
    if (flag && strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0) attr = SCMP_FLTATR_CTL_TSYNC;
    else if (flag && strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0) attr = SCMP_FLTATR_CTL_LOG;
    else if (flag && strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0) attr = SCMP_FLTATR_CTL_SSB;
    else {
        snprintf(err, errlen, "linux.seccomp: flag '%s' is not supported", flag ? flag : "(none)");
        return -1;
    }
    int rc = seccomp_attr_set(ctx, attr, 1);
    if (rc < 0) {
        snprintf(err, errlen, "linux.seccomp: flag %s: %s", flag, strerror(-rc));
        return -1;
    }
    return 0;
}

static int parse_arg(json_t *a, struct scmp_arg_cmp *out, char *err, size_t errlen) {
    const char *op = json_string_value(json_object_get(a, "op"));
    json_t *index = json_object_get(a, "index");
    for (size_t k = 0; op && k < sizeof OPS / sizeof OPS[0]; k++)
        if (strcmp(OPS[k].name, op) == 0 && json_is_integer(index) && json_integer_value(index) >= 0 &&
            json_integer_value(index) < 6) {
            /* For MASKED_EQ, value is the mask and valueTwo the value it must equal, as in runc. */
            *out = (struct scmp_arg_cmp){(unsigned)json_integer_value(index), OPS[k].op,
                                         (scmp_datum_t)json_integer_value(json_object_get(a, "value")),
                                         (scmp_datum_t)json_integer_value(json_object_get(a, "valueTwo"))};
            return 0;
        }
    snprintf(err, errlen, "linux.seccomp: argument with op '%s' and index %lld is not valid", op ? op : "(none)",
             (long long)json_integer_value(index));
    return -1;
}

/* runc's rule: conditions on distinct arguments are ANDed in one rule; when one argument appears twice
 * the conditions cannot be ANDed (libseccomp refuses), so each becomes a rule of its own (ORed). */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const char *name, json_t *args, char *err,
                    size_t errlen) {
    struct scmp_arg_cmp cmp[6];
    size_t n = json_array_size(args);
    if (n > 6) n = 6;
    int repeated = 0;
    for (size_t i = 0; i < n; i++) {
        if (parse_arg(json_array_get(args, i), &cmp[i], err, errlen) < 0) return -1;
        for (size_t k = 0; k < i; k++) repeated |= cmp[k].arg == cmp[i].arg;
    }
    int rc = 0;
    if (!repeated) rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
    for (size_t i = 0; repeated && i < n && rc == 0; i++) rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[i]);
    if (rc < 0) {
        snprintf(err, errlen, "linux.seccomp: rule for %s: %s", name, strerror(-rc));
        return -1;
    }
    return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, json_t *sc, uint32_t def, char *err, size_t errlen) {
    uint32_t act;
    if (action(json_string_value(json_object_get(sc, "action")), json_object_get(sc, "errnoRet"), &act, err,
               errlen) < 0)
        return -1;
    /* libseccomp refuses a rule that does what the default does; runc leaves it out. */
    if (act == def) return 0;
    size_t i;
    json_t *name;
    json_array_foreach(json_object_get(sc, "names"), i, name) {
        const char *s = json_string_value(name);
        int nr = s ? seccomp_syscall_resolve_name(s) : __NR_SCMP_ERROR;
        /* A name this libseccomp does not know (newer, or another architecture's) is skipped, as runc does. */
        if (nr == __NR_SCMP_ERROR) continue;
        if (add_rule(ctx, act, nr, s, json_object_get(sc, "args"), err, errlen) < 0) return -1;
    }
    return 0;
}

void *seccomp_compile(json_t *profile, char *err, size_t errlen) {
    if (!json_is_object(profile)) return NULL;
    uint32_t def;
    if (action(json_string_value(json_object_get(profile, "defaultAction")),
               json_object_get(profile, "defaultErrnoRet"), &def, err, errlen) < 0)
        return NULL;
    scmp_filter_ctx ctx = seccomp_init(def);
    if (!ctx) {
        snprintf(err, errlen, "linux.seccomp: seccomp_init failed");
        return NULL;
    }
    /* no_new_privs is the process's own setting (process.noNewPrivileges), not the filter's. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(profile, "architectures"), i, v)
        if (add_arch(ctx, json_string_value(v), err, errlen) < 0) goto bad;
    json_array_foreach(json_object_get(profile, "flags"), i, v)
        if (set_flag(ctx, json_string_value(v), err, errlen) < 0) goto bad;
    json_array_foreach(json_object_get(profile, "syscalls"), i, v)
        if (add_syscalls(ctx, v, def, err, errlen) < 0) goto bad;
    return ctx;
bad:
    seccomp_release(ctx);
    return NULL;
}

int seccomp_install(void *filter) {
    return seccomp_load((scmp_filter_ctx)filter);
}
