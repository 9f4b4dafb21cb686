/* The container's network inside the VM. The host mirrors each interface of the container's network
 * namespace onto a virtio-net NIC with the same MAC; here that NIC gets the interface's name, MTU,
 * addresses and routes, so the workload sees what the manager set up. rtnetlink, not ioctls: several
 * addresses per interface, IPv6 and link-scope routes all go the same way. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "agent.h"

struct nlreq {
    struct nlmsghdr h;
    char body[1024];
};

static uint32_t seq;

static void add_attr(struct nlreq *r, int type, const void *data, size_t len) {
    struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
    rta->rta_type = (unsigned short)type;
    rta->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(rta), data, len);
    r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static void add_u32(struct nlreq *r, int type, uint32_t v) { add_attr(r, type, &v, sizeof v); }

/* Sends one request and reads the kernel's answer: 0, or a negative errno. */
static int nl_talk(struct nlreq *r) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    r->h.nlmsg_seq = ++seq;
    int rc = -EIO;
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        rc = -errno;
        goto out;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            goto out;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != r->h.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
            rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
            goto out;
        }
    }
out:
    close(fd);
    return rc;
}

static void nl_init(struct nlreq *r, int type, int flags, size_t header) {
    memset(r, 0, sizeof *r);
    r->h.nlmsg_type = (unsigned short)type;
    r->h.nlmsg_flags = (unsigned short)flags;
    r->h.nlmsg_len = NLMSG_LENGTH(header);
}

/* name: NULL keeps it; mtu 0 keeps it. */
static int link_set(int index, int up, const char *name, uint32_t mtu) {
    struct nlreq r;
    nl_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
    struct ifinfomsg *ifi = NLMSG_DATA(&r.h);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    ifi->ifi_change = IFF_UP;
    ifi->ifi_flags = up ? IFF_UP : 0;
    if (name) add_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    if (mtu) add_u32(&r, IFLA_MTU, mtu);
    return nl_talk(&r);
}

/* "10.0.0.2/16", "fd00::2/64", "default": family 0 when it is not an address. */
static int parse_cidr(const char *text, int default_family, unsigned char addr[16], int *prefix) {
    char host[INET6_ADDRSTRLEN + 8];
    memset(addr, 0, 16);
    if (strcmp(text, "default") == 0) {
        *prefix = 0;
        return default_family;
    }
    snprintf(host, sizeof host, "%s", text);
    char *slash = strchr(host, '/');
    if (slash) *slash = 0;
    int family = inet_pton(AF_INET, host, addr) == 1 ? AF_INET : inet_pton(AF_INET6, host, addr) == 1 ? AF_INET6 : 0;
    int max = family == AF_INET ? 32 : 128;
    *prefix = max;
    if (family && slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (*end || p < 0 || p > max) return 0;
        *prefix = (int)p;
    }
    return family;
}

static size_t addr_len(int family) { return family == AF_INET ? 4 : 16; }

static int addr_add(int index, const char *cidr) {
    unsigned char a[16];
    int prefix;
    int family = parse_cidr(cidr, 0, a, &prefix);
    if (!family) return -EINVAL;
    struct nlreq r;
    nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifaddrmsg));
    struct ifaddrmsg *ifa = NLMSG_DATA(&r.h);
    ifa->ifa_family = (unsigned char)family;
    ifa->ifa_prefixlen = (unsigned char)prefix;
    ifa->ifa_index = (unsigned)index;
    add_attr(&r, IFA_LOCAL, a, addr_len(family));
    add_attr(&r, IFA_ADDRESS, a, addr_len(family));
    if (family == AF_INET && prefix < 31) {
        uint32_t v, mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
        memcpy(&v, a, 4);
        v |= ~mask;
        add_attr(&r, IFA_BROADCAST, &v, 4);
    }
    /* The host's namespace already did duplicate detection for this address: usable at once. */
    if (family == AF_INET6) add_u32(&r, IFA_FLAGS, IFA_F_NODAD);
    return nl_talk(&r);
}

static int route_add(json_t *route, char *err, size_t errlen) {
    const char *dst = json_string_value(json_object_get(route, "destination"));
    const char *gw = json_string_value(json_object_get(route, "gateway"));
    const char *dev = json_string_value(json_object_get(route, "device"));
    const char *src = json_string_value(json_object_get(route, "source"));
    unsigned char d[16], g[16], s[16];
    int dlen, glen, slen;
    int gfamily = gw ? parse_cidr(gw, 0, g, &glen) : 0;
    int family = dst ? parse_cidr(dst, gfamily ? gfamily : AF_INET, d, &dlen) : 0;
    unsigned index = dev ? if_nametoindex(dev) : 0;
    if (!family || (gw && gfamily != family) || !index) {
        snprintf(err, errlen, "route %s via %s dev %s: %s", dst ? dst : "?", gw ? gw : "-", dev ? dev : "?",
                 index || !dev ? "not a valid route" : "no such device");
        return -1;
    }
    struct nlreq r;
    nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct rtmsg));
    struct rtmsg *rt = NLMSG_DATA(&r.h);
    rt->rtm_family = (unsigned char)family;
    rt->rtm_dst_len = (unsigned char)dlen;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
    if (json_is_true(json_object_get(route, "onlink"))) rt->rtm_flags |= RTNH_F_ONLINK;
    if (dlen) add_attr(&r, RTA_DST, d, addr_len(family));
    if (gw) add_attr(&r, RTA_GATEWAY, g, addr_len(family));
    if (src && parse_cidr(src, 0, s, &slen) == family) add_attr(&r, RTA_PREFSRC, s, addr_len(family));
    add_u32(&r, RTA_OIF, index);
    json_t *metric = json_object_get(route, "metric");
    if (json_is_integer(metric)) add_u32(&r, RTA_PRIORITY, (uint32_t)json_integer_value(metric));
    int rc = nl_talk(&r);
    /* The kernel made the subnet's route when the address was added: that one exists already. */
    if (rc < 0 && rc != -EEXIST) {
        snprintf(err, errlen, "route %s via %s dev %s: %s", dst, gw ? gw : "-", dev, strerror(-rc));
        return -1;
    }
    return 0;
}

/* The guest NIC qemu gave this MAC: its kernel index, or 0. */
static int find_by_mac(const char *mac, char *name, size_t namelen) {
    DIR *d = opendir("/sys/class/net");
    if (!d) return 0;
    int index = 0;
    for (struct dirent *e; !index && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[300], addr[64] = "";
        snprintf(path, sizeof path, "/sys/class/net/%s/address", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f) continue;
        if (fgets(addr, sizeof addr, f)) addr[strcspn(addr, "\n")] = 0;
        fclose(f);
        if (strcasecmp(addr, mac) == 0) {
            snprintf(name, namelen, "%.*s", IFNAMSIZ, e->d_name);
            index = (int)if_nametoindex(e->d_name);
        }
    }
    closedir(d);
    return index;
}

/* A clone's NICs have the template's MACs: each pair's "from" NIC gets the "to" MAC (the container's), the
 * MAC its network request will name. The NICs are down: a template configures none. */
int net_set_macs(json_t *pairs, char *err, size_t errlen) {
    size_t i;
    json_t *pair;
    json_array_foreach(pairs, i, pair) {
        const char *from = json_string_value(json_object_get(pair, "from"));
        const char *to = json_string_value(json_object_get(pair, "to"));
        unsigned char mac[6];
        if (!from || !to || sscanf(to, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                                   &mac[5]) != 6) {
            snprintf(err, errlen, "macs[%zu] needs a from and a to MAC", i);
            return -1;
        }
        char name[IFNAMSIZ + 1];
        int index = find_by_mac(from, name, sizeof name);
        if (!index) {
            snprintf(err, errlen, "the VM has no NIC with MAC %s", from);
            return -1;
        }
        struct nlreq r;
        nl_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
        struct ifinfomsg *ifi = NLMSG_DATA(&r.h);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = index;
        add_attr(&r, IFLA_ADDRESS, mac, sizeof mac);
        int rc = nl_talk(&r);
        if (rc < 0) {
            snprintf(err, errlen, "set the MAC of %s to %s: %s", name, to, strerror(-rc));
            return -1;
        }
    }
    return 0;
}

int net_loopback_up(void) {
    unsigned index = if_nametoindex("lo");
    return index ? link_set((int)index, 1, NULL, 0) : -ENODEV;
}

/* Every NIC first gets a name no requested one has: the guest kernel numbers NICs in its probe order,
 * so renaming straight to the requested names could meet a name another NIC still holds. */
static int park_interface(json_t *iface, size_t n, char *err, size_t errlen) {
    const char *mac = json_string_value(json_object_get(iface, "mac"));
    char found[IFNAMSIZ + 1], parked[IFNAMSIZ];
    int index = mac ? find_by_mac(mac, found, sizeof found) : 0;
    if (!index) {
        snprintf(err, errlen, "interface %zu: the VM has no NIC with MAC %s", n, mac ? mac : "(none given)");
        return -1;
    }
    snprintf(parked, sizeof parked, "hullnic%u", (unsigned)(n % 1000));
    int rc = link_set(index, 0, parked, 0);
    if (rc < 0) {
        snprintf(err, errlen, "interface %s: %s", found, strerror(-rc));
        return -1;
    }
    return 0;
}

static int setup_interface(json_t *iface, char *err, size_t errlen) {
    const char *name = json_string_value(json_object_get(iface, "name"));
    const char *mac = json_string_value(json_object_get(iface, "mac"));
    json_int_t mtu = json_integer_value(json_object_get(iface, "mtu"));
    if (!name || !mac || strlen(name) >= IFNAMSIZ) {
        snprintf(err, errlen, "an interface needs a name (under %d bytes) and a mac", IFNAMSIZ);
        return -1;
    }
    char found[IFNAMSIZ + 1];
    int index = find_by_mac(mac, found, sizeof found);
    if (!index) {
        snprintf(err, errlen, "interface %s: the VM has no NIC with MAC %s", name, mac);
        return -1;
    }
    /* A link is renamed only while down. */
    int rc = link_set(index, 0, strcmp(found, name) ? name : NULL, mtu > 0 ? (uint32_t)mtu : 0);
    if (rc < 0) {
        snprintf(err, errlen, "interface %s (%s): %s", name, found, strerror(-rc));
        return -1;
    }
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(iface, "addresses"), i, a) {
        const char *cidr = json_string_value(a);
        rc = cidr ? addr_add(index, cidr) : -EINVAL;
        if (rc < 0 && rc != -EEXIST) {
            snprintf(err, errlen, "interface %s: address %s: %s", name, cidr ? cidr : "(not a string)", strerror(-rc));
            return -1;
        }
    }
    rc = link_set(index, 1, NULL, 0);
    if (rc < 0) {
        snprintf(err, errlen, "interface %s up: %s", name, strerror(-rc));
        return -1;
    }
    debugmsg("interface %s (was %s) mac %s mtu %lld", name, found, mac, (long long)mtu);
    return 0;
}

int do_network(json_t *req, char *err, size_t errlen) {
    if (!g_cfg.guest) {
        fail_code(AE_ENOTSUP);
        snprintf(err, errlen, "network is configured only in a VM (this agent runs in host mode)");
        return -1;
    }
    int rc = net_loopback_up();
    if (rc < 0) {
        snprintf(err, errlen, "lo up: %s", strerror(-rc));
        return -1;
    }
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(req, "interfaces"), i, x) {
        if (park_interface(x, i, err, errlen) < 0) return -1;
    }
    json_array_foreach(json_object_get(req, "interfaces"), i, x) {
        if (setup_interface(x, err, errlen) < 0) return -1;
    }
    const char *relay = json_string_value(json_object_get(req, "dnsRelay"));
    if (relay && dns_relay_start(relay, err, errlen) < 0) return -1;
    /* Link routes before the ones through a gateway, which must be reachable when added. */
    for (int pass = 0; pass < 2; pass++) {
        json_array_foreach(json_object_get(req, "routes"), i, x) {
            int via = json_object_get(x, "gateway") != NULL;
            if (via == pass && route_add(x, err, errlen) < 0) return -1;
        }
    }
    return 0;
}
