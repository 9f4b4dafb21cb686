/* hull-member: the host process of a pod member (a container inside another container's VM).
 *
 * Its pid is the member's pid for its manager (--pid-file; conmon and containerd's shim reap it) and its
 * exit status is the member's. It holds the member's stdio, which the VM owner duplicates with
 * pidfd_getfd(2), asks the VM owner for the member over one connection, and waits on that connection for
 * the member's exit code. The connection binds the two lives: if this process is killed the VM owner sees
 * the connection close and ends the member; if the VM owner dies this process exits 137, as a container
 * killed with its VM. A JVM per member would cost ~40 MiB; this costs a few hundred KiB.
 *
 * usage: hull-member SOCKET REQUEST-JSON   (run by `hull create`; not meant to be run by hand)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LOST 137 /* 128 + SIGKILL: what a container killed with its VM reports */

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: hull-member SOCKET REQUEST-JSON (started by hull create)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* Like a shim: its own session, so it outlives the caller's terminal and process group. */
    setsid();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "hull-member: socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        fprintf(stderr, "hull-member: cannot reach the pod's VM at %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char head[64];
    int n = snprintf(head, sizeof head, "{\"pid\":%ld,\"member\":", (long)getpid());
    if (write_all(fd, head, (size_t)n) < 0 || write_all(fd, argv[2], strlen(argv[2])) < 0 ||
        write_all(fd, "}\n", 2) < 0)
        return 1;
    /* One line back: the exit code; nothing (the VM owner is gone): killed with the VM. Longer input is
     * not an exit code: read at most what one needs. */
    char line[16];
    size_t len = 0;
    while (len < sizeof line - 1) {
        ssize_t r = read(fd, line + len, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return LOST;
        if (line[len] == '\n') break;
        len++;
    }
    line[len] = 0;
    char *end;
    long code = strtol(line, &end, 10);
    if (end == line || *end || code < 0 || code > 255) return LOST;
    return (int)code;
}
