/* process.capabilities: the five sets (process_rules.c reads them), applied the way runc does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "agent.h"
#include "spawn.h"

/* The highest capability this kernel knows: PR_CAPBSET_READ says EINVAL past it. The container's /proc
 * (where cap_last_cap lives) may not be mounted. */
int caps_last(void) {
    int n = 0;
    while (n + 1 < 64 && prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0) n++;
    return n;
}

static int cap_set(uint64_t eff, uint64_t perm, uint64_t inh) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2] = {
        {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
        {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}

/* Before setuid, while still root: the bounding set is cut, and the permitted set is kept across setuid. */
int caps_before_setuid(const struct caps *c, char *err, size_t errlen) {
    int last = caps_last();
    for (int cap = 0; cap <= last; cap++)
        if (!(c->sets[CS_BOUNDING] & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            snprintf(err, errlen, "drop %s from the bounding set: %s", cap_name(cap), strerror(errno));
            return -1;
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
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* The kernel raises an ambient capability only if it is permitted and inheritable. runc leaves the
     * others out without a word (`runc spec` asks for three ambient ones and no inheritable set), and
     * so does the agent. */
    for (int cap = 0; cap < 64; cap++)
        if ((c->sets[CS_AMBIENT] & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            debugmsg("ambient %s not raised: %s", cap_name(cap), strerror(errno));
    return 0;
}

/* Drops what caps_after_setuid added on top of the configured sets. */
int caps_final(const struct caps *c) {
    return cap_set(c->sets[CS_EFFECTIVE], c->sets[CS_PERMITTED], c->sets[CS_INHERITABLE]);
}

int caps_has_effective(const struct caps *c, int cap) {
    return (c->sets[CS_EFFECTIVE] >> cap) & 1;
}
