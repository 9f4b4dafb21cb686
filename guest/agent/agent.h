/* hull-agent: the guest side of Hull. See docs/agent-protocol.md. */
#ifndef HULL_AGENT_H
#define HULL_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#define AGENT_VERSION "hull-agent 0.1.0"

/* The contract with the host. Each line below has its Java twin (dev.hull.agent: Frame, FrameType,
 * Request, ErrorCode; dev.hull.state.ContainerId), and ProtocolContractTest reads this header to compare
 * them: change one side alone and the build fails. */

/* The protocol versions this agent speaks; hello picks the highest one both sides speak. */
#define PROTOCOL_MIN_VERSION 1
#define PROTOCOL_MAX_VERSION 1

#define FRAME_HEADER 9
#define MAX_PAYLOAD (1u << 20)
#define MAX_DATA (64u * 1024)
#define INITIAL_WINDOW (256u * 1024)
/* A container id's most characters (runc's characters, never a path). */
#define MAX_ID_LENGTH 200
/* clone's entropy: the fewest and most bytes of the host's randomness it takes. */
#define CLONE_MIN_ENTROPY 32
#define CLONE_MAX_ENTROPY 512

enum frame_type { F_REQUEST = 1, F_RESPONSE = 2, F_EVENT = 3, F_DATA = 4, F_CLOSE = 5, F_CREDIT = 6 };

/* Every op the agent serves, in the order hello lists them as capabilities. Adding one: its fields in
 * request.c's op_fields, its case in dispatch.c (the switch has no default: the compiler asks for it), a
 * record in Request.java and golden files (docs/agent-protocol.md, "Adding an agent op"). */
#define AGENT_OPS(X) \
    X(hello) X(create) X(start) X(exec) X(signal) X(resize) X(wait) X(ps) X(stats) X(update) X(delete) \
    X(network) X(dns) X(shutdown) X(settime) X(freeze) X(forward) X(clone)
#define AGENT_OP_ENUM(name) OP_##name,
enum agent_op { AGENT_OPS(AGENT_OP_ENUM) OP_COUNT };

/* The code of an error answer ({"error":{"code":"ENOENT","message":"..."}}): what a program may act on,
 * where the message is for people. EFAIL: the request was good, the system refused it (the message says
 * why). */
#define AGENT_ERRORS(X) X(EPROTO) X(ENOSYS) X(EINVAL) X(ENOENT) X(EEXIST) X(EBUSY) X(ENOTSUP) X(EFAIL)
#define AGENT_ERR_ENUM(name) AE_##name,
enum agent_err { AGENT_ERRORS(AGENT_ERR_ENUM) AE_COUNT };

/* ---- the protocol's pure parts: no syscalls, unit-tested (frame.c, request.c, reply.c; test/) ---- */
struct frame_header {
    uint32_t len;
    int type;
    uint32_t stream;
};
void frame_header_encode(unsigned char out[FRAME_HEADER], uint32_t len, int type, uint32_t stream);
void frame_header_decode(const unsigned char in[FRAME_HEADER], struct frame_header *h);
/* 0 when the host may send this frame; else -1 and why in msg. */
int frame_check(const struct frame_header *h, char *msg, size_t msglen);
uint32_t frame_get32(const unsigned char *p);
void frame_put32(unsigned char *p, uint32_t v);

const char *agent_op_name(enum agent_op op);
const char *agent_op_fields(enum agent_op op); /* its declaration: "name:type[!] ...", see request.c */
const char *agent_err_name(enum agent_err e);
int agent_valid_id(const char *id);
/* Reads a request's payload: 0 with its id and op, the op's fields checked against their declaration; or
 * -1 with an error's code and message (id 0 when it has none). *out is the parsed object, or NULL (the
 * caller's to decref either way). */
int request_parse(const char *payload, size_t len, json_t **out, uint64_t *id, enum agent_op *op,
                  enum agent_err *code, char *msg, size_t msglen);
/* clone's entropy, decoded into out (CLONE_MAX_ENTROPY bytes of room): how many bytes, or -1 with why in msg. */
int clone_entropy(json_t *req, unsigned char *out, char *msg, size_t msglen);
/* Base64 (RFC 4648, padded) of len bytes into out (4 * ((len + 2) / 3) + 1 of room). */
void b64_encode(const unsigned char *in, size_t len, char *out);
/* Decodes base64 into out: the bytes' count, or -1 for text that is not base64 or needs more than cap. */
int b64_decode(const char *in, unsigned char *out, size_t cap);
/* hello: the version both sides speak (the highest), or -1 with why in msg. */
int hello_negotiate(json_t *req, char *msg, size_t msglen);
json_t *hello_result(int version, const char *kernel, int guest, json_t *clock); /* steals clock */

json_t *reply_result(uint64_t id, json_t *result); /* steals result (NULL: {}) */
json_t *reply_error(uint64_t id, enum agent_err code, const char *msg);
json_t *event_error(const char *msg);
json_t *event_dns(uint32_t id, const char *query_b64);

/* A failing handler names its error's code here (dispatch.c resets it to EFAIL before each request). */
void fail_code(enum agent_err e);

/* ---- logging (log.c) ---- */
extern int g_debug;
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debugmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the connection to the host (conn.c) ---- */
void conn_init(int fd);
int conn_fd(void);
int conn_wants_write(void);
/* Reads what is available and dispatches complete frames; returns -1 at end of connection. */
int conn_on_readable(void);
/* Writes queued frames; returns -1 when the connection broke. */
int conn_on_writable(void);
void send_frame(int type, uint32_t stream, const void *payload, size_t len);
void send_json(int type, json_t *obj); /* steals obj */
void send_result(uint64_t id, json_t *result); /* steals result (NULL: {}) */
void send_error(uint64_t id, enum agent_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void send_event_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void send_credit(uint32_t stream, uint32_t bytes);
int conn_seen_frame(void);

/* ---- streams and processes (proc.c) ---- */
struct process;

struct stream {
    uint32_t id;
    int out;              /* 1: agent -> host (stdout/stderr/tty), 0: host -> agent (stdin) */
    int fd;               /* -1 once closed */
    int fd_shared;        /* the tty master, shared by a process's in and out streams */
    uint32_t window;      /* out: bytes we may still send before credit */
    int ended;            /* out: CLOSE sent; in: host sent CLOSE */
    char *buf;            /* in: bytes from the host not yet written to the process */
    size_t len, cap;
    struct process *proc;
    struct forward *fwd;  /* a forwarded connection's stream (forward.c), or NULL */
    struct stream *next;
};

struct container;

struct process {
    struct container *c;
    char exec_id[128];    /* "" for the container's first process */
    pid_t pid;            /* in the agent's pid namespace; the first process is PID 1 of its own */
    int exited;
    int code, sig;
    struct stream *in, *out, *err;
    int tty_master;       /* -1 without a terminal */
    json_t *waiters;      /* array of request ids */
    int collected;        /* an exec whose end was given to a wait: freed at the loop's next turn */
    struct process *next;
};

struct container {
    char id[256];
    char dir[1024];        /* per-container folder in the agent's state dir */
    char cgroup[1024];     /* "" when there are no cgroups */
    char share[1100];      /* its root in the share: the share itself, or a pod member's folder in it */
    struct process *init;
    int start_fd;         /* socket to the waiting first process; -1 once started */
    int exec_err_fd;      /* CLOEXEC pipe: data on it means execve failed */
    int started;
    json_t *volumes;      /* guest paths of the 9p volume shares mounted for it */
    json_t *linux_cfg;    /* create's linux object (its seccomp applies to exec'd processes too), or NULL */
    json_t *process;      /* create's process: what an exec leaves out of some fields is its (exec_process) */
    int userns;           /* the first process has a user namespace of its own: execs join it */
    int shares_pidns;     /* its first process joined another container's pid namespace (create's join.pid) */
    char shm[300];        /* its /dev/shm tmpfs in the agent's namespace, so that a member sharing its ipc
                           * namespace shares it too (its own, or the one of the container whose ipc it
                           * shares); "" when none */
    int shm_own;          /* shm was made for it: it goes with it */
    struct container *next;
};

extern struct container *g_containers;
extern struct process *g_procs;
extern struct stream *g_streams;

struct stream *stream_find(uint32_t id);
struct stream *stream_new(uint32_t id, int out, int fd, struct process *p);
void stream_on_data(uint32_t id, const char *data, size_t len);
void stream_on_close(uint32_t id);
void stream_on_credit(uint32_t id, uint32_t bytes);
/* Moves bytes between fds and the connection; called by the loop when fd is ready. */
void stream_readable(struct stream *s);
void stream_writable(struct stream *s);
void stream_close_fd(struct stream *s);
void stream_release(struct stream *s); /* unlinks and frees it, closing its fd unless shared */

struct container *container_find(const char *id);
struct process *process_find(const char *container, const char *exec_id);
void process_reap(void);
void process_try_finish(struct process *p);
void process_free_all_of(struct container *c);
void process_discard(struct process *p); /* forgets it: no CLOSE, no wait answer */
void process_sweep(void); /* frees the execs whose end a wait was given: their names are free again */

/* ---- containers (container.c, spawn.c) ---- */
struct agent_config {
    int guest;                 /* PID 1 of a VM */
    int template_vm;           /* booted with hull.template=1 and not cloned yet: the share is not mounted */
    char share[512];           /* the image root shared by the host */
    char state_dir[512];       /* per-container folders */
    char cgroup_root[512];     /* "" for none */
    int own_pidns_fd;
};
extern struct agent_config g_cfg;

json_t *do_create(json_t *req, char *err, size_t errlen);
int do_start(const char *container, char *err, size_t errlen);
json_t *do_exec(json_t *req, char *err, size_t errlen);
int do_signal(const char *container, const char *exec_id, int sig, int all, char *err, size_t errlen);
int do_resize(const char *container, const char *exec_id, int rows, int cols, char *err, size_t errlen);
int do_delete(const char *container, char *err, size_t errlen);
void delete_all(void);

/* ---- ps and stats (info.c) ---- */
json_t *do_ps(struct container *c);
json_t *do_stats(struct container *c, char *err, size_t errlen);
/* The OOM kills in the container's cgroup so far; -1 without one (or memory.events). */
long long container_oom_kills(struct container *c);
int signal_all(struct container *c, int sig);
int do_update(struct container *c, json_t *resources, char *err, size_t errlen);
/* linux.resources into a cgroup v2 folder; what this kernel has no file for is skipped (debug log). */
int cgroup_apply(const char *cgroup, json_t *resources, char *err, size_t errlen);
/* cpu.max's text for a quota and period, runc's zeroes (resource_rules.c); 0: nothing to write. */
int cpu_max_text(long long quota, long long period, char *out, size_t len);
/* A cpuset of host CPUs on a guest of ncpus vCPUs: host CPU n is the guest's n mod ncpus; -1: malformed. */
int cpuset_for_guest(const char *host, int ncpus, char *out, size_t len);
/* linux.resources.devices as a BPF device program attached to the cgroup (devices.c). */
int devices_apply(const char *cgroup, json_t *rules, json_t *devices, char *err, size_t errlen);

/* ---- the guest's clock and a container's freezer (clock.c) ---- */
json_t *clock_info(void);      /* {"clocksource","clockevent","resolution"} */
json_t *do_settime(json_t *req, char *err, size_t errlen);
int do_freeze(struct container *c, int frozen, char *err, size_t errlen);

/* ---- the container's network in the VM (net.c) ---- */
int do_network(json_t *req, char *err, size_t errlen);
/* A clone's NICs: each {"from": template MAC, "to": the container's} pair renamed; -1 with why in err. */
int net_set_macs(json_t *pairs, char *err, size_t errlen);
int net_loopback_up(void); /* 0 or -errno */

/* ---- DNS relay to the host (dns.c) ---- */
int dns_relay_fd(void);        /* -1 until started */
int dns_relay_start(const char *address, char *err, size_t errlen);
void dns_on_readable(void);
int dns_answer(json_t *req, char *err, size_t errlen);

/* ---- port forwarding: TCP to the guest's 127.0.0.1 on two streams (forward.c) ---- */
struct forward;
int do_forward(json_t *req, char *err, size_t errlen);
void forward_stream_done(struct stream *s);     /* from stream_close_fd: one direction is over */
void forward_abandon_output(struct stream *s);  /* the host's CLOSE on the out stream */
void forward_reap(void);                        /* frees connections over both ways */
void forward_close_all(void);                   /* the host connection ended */

/* ---- requests (dispatch.c) ---- */
void dispatch_request(const char *payload, size_t len);
extern int g_shutdown_requested;

/* ---- guest boot (boot.c) ---- */
int guest_boot(void);          /* returns the port fd */
void guest_poweroff(void);
/* A clone of a template VM: the host's entropy reseeds the kernel's CRNG, then the share is mounted. */
int do_clone(json_t *req, char *err, size_t errlen);

#endif
