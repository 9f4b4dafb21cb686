/* process.capabilities: the five sets, applied the way runc does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
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

/* The highest capability this kernel knows: PR_CAPBSET_READ says EINVAL past it. The container's /proc
 * (where cap_last_cap lives) may not be mounted. */
static int last_cap(void) {
    int n = 0;
    while (n + 1 < 64 && prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0) n++;
    return n;
}

int caps_parse(json_t *caps, struct caps *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (!caps || json_is_null(caps)) return 0;
    if (!json_is_object(caps)) {
        snprintf(err, errlen, "process.capabilities must be an object");
        return -1;
    }
    out->given = 1;
    int last = last_cap();
    for (int s = 0; s < CAPS_SETS; s++) {
        json_t *list = json_object_get(caps, SET_FIELDS[s]);
        if (!list || json_is_null(list)) continue;
        out->has[s] = 1;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
            const char *name = json_string_value(v);
            int cap = -1;
            for (int k = 0; name && k < NCAPS; k++)
                if (strcmp(NAMES[k], name) == 0) cap = k;
            if (cap < 0) {
                snprintf(err, errlen, "process.capabilities.%s: unknown capability '%s'", SET_FIELDS[s],
                         name ? name : "(not a string)");
                return -1;
            }
            /* Known to the runtime but not to this kernel: skipped, as runc does. */
            if (cap <= last) out->sets[s] |= 1ULL << cap;
        }
    }
    return 0;
}

static int cap_get(uint64_t *eff, uint64_t *perm, uint64_t *inh) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) return -1;
    *eff = d[0].effective | (uint64_t)d[1].effective << 32;
    *perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    *inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    return 0;
}

static int cap_set(uint64_t eff, uint64_t perm, uint64_t inh) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
        {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}

/* Before setuid, while still root: sets not given become what the process has now (a set left out is
 * left as it is), the bounding set is cut, and the permitted set is kept across setuid. */
int caps_before_setuid(struct caps *c, char *err, size_t errlen) {
    uint64_t now[3];
    if (cap_get(&now[0], &now[1], &now[2]) < 0) {
        snprintf(err, errlen, "capget: %s", strerror(errno));
        return -1;
    }
    if (!c->has[CS_EFFECTIVE]) c->sets[CS_EFFECTIVE] = now[0];
    if (!c->has[CS_PERMITTED]) c->sets[CS_PERMITTED] = now[1];
    if (!c->has[CS_INHERITABLE]) c->sets[CS_INHERITABLE] = now[2];
    if (c->has[CS_BOUNDING]) {
        int last = last_cap();
        for (int cap = 0; cap <= last; cap++)
            if (!(c->sets[CS_BOUNDING] & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
                snprintf(err, errlen, "drop %s from the bounding set: %s", cap < NCAPS ? NAMES[cap] : "?",
                         strerror(errno));
                return -1;
            }
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        snprintf(err, errlen, "keepcaps: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* After setuid: effective, permitted and inheritable, plus `extra` in effective and permitted (a
 * capability the agent still needs, dropped by caps_final), then the ambient set, which needs its
 * capabilities in permitted and inheritable. */
int caps_after_setuid(const struct caps *c, uint64_t extra, char *err, size_t errlen) {
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (cap_set(c->sets[CS_EFFECTIVE] | extra, c->sets[CS_PERMITTED] | extra, c->sets[CS_INHERITABLE]) < 0) {
        snprintf(err, errlen, "capset: %s", strerror(errno));
        return -1;
    }
    if (!c->has[CS_AMBIENT]) return 0;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* The kernel raises an ambient capability only if it is permitted and inheritable. runc leaves the
     * others out without a word (`runc spec` asks for three ambient ones and no inheritable set), and
     * so does the agent. */
    for (int cap = 0; cap < 64; cap++)
        if ((c->sets[CS_AMBIENT] & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            debugmsg("ambient %s not raised: %s", cap < NCAPS ? NAMES[cap] : "?", strerror(errno));
    return 0;
}

/* Drops what caps_after_setuid added on top of the configured sets. */
int caps_final(const struct caps *c) {
    return cap_set(c->sets[CS_EFFECTIVE], c->sets[CS_PERMITTED], c->sets[CS_INHERITABLE]);
}

int caps_has_effective(const struct caps *c, int cap) {
    return (c->sets[CS_EFFECTIVE] >> cap) & 1;
}
