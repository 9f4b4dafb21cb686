/* The guest's clock (settime, what hello reports) and a container's freezer (freeze). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

/* Bounds for a time from the host: after 2000-01-01 and before 2262 (int64 nanoseconds). */
#define MIN_REALTIME_S 946684800LL

static void read_line(const char *path, char *buf, size_t len) {
    buf[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0) n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
}

json_t *clock_info(void) {
    char source[64], event[64];
    struct timespec res = {0, 0};
    read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", source, sizeof source);
    read_line("/sys/devices/system/clockevents/clockevent0/current_device", event, sizeof event);
    clock_getres(CLOCK_MONOTONIC, &res);
    return json_pack("{s:s,s:s,s:I}", "clocksource", source, "clockevent", event, "resolution",
                     (json_int_t)res.tv_sec * 1000000000 + res.tv_nsec);
}

/* The host's wall clock, in nanoseconds since the epoch, becomes the guest's. Answers what the guest
 * had before, so the host can tell how far it had drifted. */
json_t *do_settime(json_t *req, char *err, size_t errlen) {
    json_t *v = json_object_get(req, "realtime");
    if (!json_is_integer(v) || json_integer_value(v) / 1000000000 < MIN_REALTIME_S) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "settime needs realtime: nanoseconds since the epoch, after the year 2000");
        return NULL;
    }
    json_int_t ns = json_integer_value(v);
    struct timespec was, now = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    clock_gettime(CLOCK_REALTIME, &was);
    if (clock_settime(CLOCK_REALTIME, &now) < 0) {
        snprintf(err, errlen, "clock_settime: %s", strerror(errno));
        return NULL;
    }
    return json_pack("{s:I}", "was", (json_int_t)was.tv_sec * 1000000000 + was.tv_nsec);
}

/* Freezes (or thaws) every process of the container through its cgroup, and waits (at most 1 s) until
 * the kernel says it is done: the host stops the VM only after, so nothing of the workload runs between
 * a resume and the clock's correction. */
int do_freeze(struct container *c, int frozen, char *err, size_t errlen) {
    if (!c->cgroup[0]) {
        fail_code(AE_ENOTSUP);
        snprintf(err, errlen, "container '%s' has no cgroup (host mode without --cgroup-root)", c->id);
        return -1;
    }
    char path[1100], events[512];
    snprintf(path, sizeof path, "%s/cgroup.freeze", c->cgroup);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, frozen ? "1" : "0", 1) != 1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    snprintf(path, sizeof path, "%s/cgroup.events", c->cgroup);
    const char *want = frozen ? "frozen 1" : "frozen 0";
    for (int i = 0; i < 1000; i++) {
        int efd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = efd < 0 ? -1 : read(efd, events, sizeof events - 1);
        if (efd >= 0) close(efd);
        if (n < 0) break;
        events[n] = 0;
        if (strstr(events, want)) return 0;
        usleep(1000);
    }
    /* Not settled within a second (a process stuck in the kernel): the host goes on regardless. */
    return 0;
}
