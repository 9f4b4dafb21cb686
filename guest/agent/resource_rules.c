/* linux.resources values that the guest's cgroup cannot take as config.json gives them, turned into what it
 * can: runc's meaning of zeroes, and host CPU numbers on a VM with fewer vCPUs. No syscalls: the unit tests
 * link it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"

/* cpu.max for a CFS quota and period, runc's rule (libcontainer/cgroups/fs2/cpu.go): 0 is unset (docker
 * sends a period of 0 with every update), a quota of 0 or below is "max", a period left out is the
 * kernel's 100000. Returns 0 when there is nothing to write (both unset). */
int cpu_max_text(long long quota, long long period, char *out, size_t len) {
    if (quota == 0 && period == 0) return 0;
    if (period <= 0) period = 100000;
    if (quota > 0) snprintf(out, len, "%lld %lld", quota, period);
    else snprintf(out, len, "max %lld", period);
    return 1;
}

/* A cpuset list ("0-3,8") names host CPUs; the guest has `ncpus` vCPUs, numbered 0 to ncpus-1. Each host
 * CPU n becomes the guest's CPU n mod ncpus, so a set the guest could hold is kept as it is and any other
 * is folded onto the vCPUs there are ("0-1" on one vCPU: "0"; "1": "0"). Returns -1 on a malformed list. */
int cpuset_for_guest(const char *host, int ncpus, char *out, size_t len) {
    if (ncpus < 1) ncpus = 1;
    if (ncpus > 1024) ncpus = 1024;
    unsigned char on[1024] = {0};
    const char *p = host;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p || a < 0) return -1;
        p = end;
        if (*p == '-') {
            b = strtol(++p, &end, 10);
            if (end == p || b < a) return -1;
            p = end;
        }
        if (*p == ',') p++;
        else if (*p) return -1;
        for (long n = a; n <= b && n - a < ncpus; n++) on[n % ncpus] = 1;
    }
    size_t used = 0;
    out[0] = 0;
    for (int n = 0; n < ncpus; n++) {
        if (!on[n]) continue;
        int last = n;
        while (last + 1 < ncpus && on[last + 1]) last++;
        int w = last == n ? snprintf(out + used, len - used, "%s%d", used ? "," : "", n)
                          : snprintf(out + used, len - used, "%s%d-%d", used ? "," : "", n, last);
        if (w < 0 || (size_t)w >= len - used) return -1;
        used += (size_t)w;
        n = last;
    }
    return used ? 0 : -1;
}
