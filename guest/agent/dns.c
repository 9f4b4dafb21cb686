/* DNS relay. docker's user-defined networks give containers "nameserver 127.0.0.11": dockerd answers
 * there from inside the container's network namespace, behind DNAT rules of that namespace. In the
 * VM 127.0.0.11 is the guest's own loopback, so the agent listens on it and hands every query to the
 * host as an event; the shim, which lives in the namespace, asks dockerd and sends the answer back
 * with a "dns" request. UDP only (what resolvers try first; answers over 4 KiB are truncated by the
 * server and the resolver retries over TCP, which is not relayed). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "agent.h"

#define DNS_MAX 4096
#define PENDING 64

static int dns_fd = -1;
static uint32_t next_id = 1;
static struct {
    uint32_t id;
    struct sockaddr_in from;
} pending[PENDING];

int dns_relay_fd(void) { return dns_fd; }

int dns_relay_start(const char *address, char *err, size_t errlen) {
    if (dns_fd >= 0) return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    if (inet_pton(AF_INET, address, &a.sin_addr) != 1) {
        snprintf(err, errlen, "dnsRelay: '%s' is not an IPv4 address", address);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        snprintf(err, errlen, "dnsRelay: cannot listen on %s:53: %s", address, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    dns_fd = fd;
    return 0;
}

void dns_on_readable(void) {
    unsigned char query[DNS_MAX];
    char text[DNS_MAX * 4 / 3 + 8];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(dns_fd, query, sizeof query, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0) return;
        uint32_t id = next_id++;
        pending[id % PENDING].id = id;
        pending[id % PENDING].from = from;
        b64_encode(query, (size_t)n, text);
        send_json(F_EVENT, event_dns(id, text));
    }
}

int dns_answer(json_t *req, char *err, size_t errlen) {
    uint32_t id = (uint32_t)json_integer_value(json_object_get(req, "query"));
    const char *text = json_string_value(json_object_get(req, "answer"));
    unsigned char answer[DNS_MAX];
    int n = text ? b64_decode(text, answer, sizeof answer) : -1;
    if (n < 0) {
        fail_code(AE_EINVAL);
        snprintf(err, errlen, "dns: the answer is not base64");
        return -1;
    }
    /* An answer that comes after 64 newer queries has lost its slot: the resolver has retried. */
    if (dns_fd >= 0 && pending[id % PENDING].id == id)
        sendto(dns_fd, answer, (size_t)n, 0, (struct sockaddr *)&pending[id % PENDING].from, sizeof pending[0].from);
    return 0;
}
