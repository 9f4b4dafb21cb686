/* The OCI process fields whose absence means something: runc's rules, which the agent follows (a set or
 * object left out is never the agent's own, unrestricted, value). No syscalls: the unit tests link it. */
#include <stdio.h>
#include <string.h>
#include "agent.h"
#include "spawn.h"

static const char *const NAMES[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof NAMES / sizeof NAMES[0]))

/* The OCI field of each set, in enum cap_set order. */
static const char *const SET_FIELDS[CAPS_SETS] = {"bounding", "effective", "inheritable", "permitted", "ambient"};

const char *cap_name(int cap) {
    return cap >= 0 && cap < NCAPS ? NAMES[cap] : "?";
}

/* runc's rule: no capabilities object, or a set left out of it, is an empty set (containerd writes
 * `"capabilities": {}` when a pod drops ALL). */
int caps_parse(json_t *caps, int last, struct caps *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (!caps || json_is_null(caps)) return 0;
    if (!json_is_object(caps)) {
        snprintf(err, errlen, "process.capabilities must be an object");
        return -1;
    }
    for (int s = 0; s < CAPS_SETS; s++) {
        json_t *list = json_object_get(caps, SET_FIELDS[s]);
        if (!list || json_is_null(list)) continue;
        if (!json_is_array(list)) {
            snprintf(err, errlen, "process.capabilities.%s must be an array", SET_FIELDS[s]);
            return -1;
        }
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            const char *name = json_string_value(v);
            int cap = -1;
            for (int k = 0; name && k < NCAPS; k++)
                if (strcmp(NAMES[k], name) == 0) cap = k;
            if (!name) {
                snprintf(err, errlen, "process.capabilities.%s: a capability that is not a string", SET_FIELDS[s]);
                return -1;
            }
            /* runc warns about a name it does not know and leaves it out; the host warns (SpecRules). */
            if (cap < 0) continue;
            /* Known to the runtime but not to this kernel: skipped, as runc does. */
            if (cap <= last) out->sets[s] |= 1ULL << cap;
        }
    }
    return 0;
}

static int absent(json_t *process, const char *field) {
    json_t *v = json_object_get(process, field);
    return !v || json_is_null(v);
}

/* runc's rule for an exec: the fields it inherits from the container's process when it leaves them out. Its
 * noNewPrivileges, rlimits, umask, user and groups are its own (false, the agent's, 022, root, none). */
json_t *exec_process(json_t *exec, json_t *container) {
    static const char *const INHERITED[] = {"capabilities", "oomScoreAdj"};
    json_t *p = json_copy(exec);
    if (!p) return NULL;
    for (size_t i = 0; i < sizeof INHERITED / sizeof INHERITED[0]; i++)
        if (absent(exec, INHERITED[i]) && !absent(container, INHERITED[i]))
            json_object_set(p, INHERITED[i], json_object_get(container, INHERITED[i]));
    return p;
}
