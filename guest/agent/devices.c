/* linux.resources.devices on cgroup v2: the rule list compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program
 * (raw instructions: no libbpf, no clang) and attached to the container's cgroup, the way runc's
 * devicefilter does. cgroup v2 has no devices.allow/deny files: the kernel asks the program on every
 * mknod and open of a device node. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "agent.h"

#define MAX_INSNS 4096

struct prog {
    struct bpf_insn insn[MAX_INSNS];
    int n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    if (p->n < MAX_INSNS)
        p->insn[p->n] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    p->n++;
}

/* The context (struct bpf_cgroup_dev_ctx) is loaded once into registers: R2 the device type, R3 the access
 * asked for, R4 the major, R5 the minor. */
static void prologue(struct prog *p) {
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0); /* access_type: access << 16 | type */
    emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
    emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
    emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
}

static void verdict(struct prog *p, int allow) {
    emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow);
    emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* "rwm" as BPF_DEVCG_ACC_* bits; an empty or missing access is all three, as in OCI. */
static int access_bits(const char *s, int *out) {
    *out = 0;
    for (; s && *s; s++) {
        if (*s == 'r') *out |= BPF_DEVCG_ACC_READ;
        else if (*s == 'w') *out |= BPF_DEVCG_ACC_WRITE;
        else if (*s == 'm') *out |= BPF_DEVCG_ACC_MKNOD;
        else return -1;
    }
    if (!*out) *out = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    return 0;
}

/* One rule: a block of compare-and-jump instructions that skip to the next block on a mismatch, then the
 * rule's verdict. An allow rule matches a request whose access it covers whole; a deny rule any request
 * that asks for one of its accesses (deny "w" refuses an open for "rw"). 1: the rule matches everything
 * (what follows it can never run, and the verifier refuses unreachable instructions), 0: it may not. */
static int append_rule(struct prog *p, json_t *r, char *err, size_t errlen) {
    const char *type = json_string_value(json_object_get(r, "type"));
    const char *access = json_string_value(json_object_get(r, "access"));
    json_t *major = json_object_get(r, "major"), *minor = json_object_get(r, "minor");
    int allow = json_is_true(json_object_get(r, "allow")), acc, kind = 0;
    if (!type || strcmp(type, "a") == 0) kind = 0;
    else if (strcmp(type, "c") == 0) kind = BPF_DEVCG_DEV_CHAR;
    else if (strcmp(type, "b") == 0) kind = BPF_DEVCG_DEV_BLOCK;
    else kind = -1;
    if (kind < 0 || access_bits(access, &acc) < 0) {
        snprintf(err, errlen, "linux.resources.devices: a rule with type '%s', access '%s' (types: a, c, b; access: r, w, m)",
                 type ? type : "", access ? access : "");
        return -1;
    }
    int jumps[4], nj = 0;
    if (kind) {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, kind);
    }
    if (acc != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
        emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, acc);
        jumps[nj++] = p->n;
        if (allow) emit(p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0); /* asked ⊄ rule */
        else emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0);             /* asked ∩ rule = ∅ */
    }
    /* A missing or negative major/minor is the wildcard (OCI's null, runc's -1). */
    if (json_is_integer(major) && json_integer_value(major) >= 0) {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)json_integer_value(major));
    }
    if (json_is_integer(minor) && json_integer_value(minor) >= 0) {
        jumps[nj++] = p->n;
        emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)json_integer_value(minor));
    }
    verdict(p, allow);
    for (int i = 0; i < nj && p->n <= MAX_INSNS; i++) p->insn[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
    return nj == 0;
}

/* Rules apply in order and the last match wins: the program checks them last to first and returns the
 * verdict of the first that matches. A request no rule matches is allowed, as without a program (the
 * kernel's own rule); a list that starts with a deny-all, as docker's does, therefore denies by default. */
static int compile(json_t *rules, struct prog *p, char *err, size_t errlen) {
    int catch_all = 0;
    p->n = 0;
    prologue(p);
    for (size_t i = json_array_size(rules); i-- > 0 && !catch_all;)
        if ((catch_all = append_rule(p, json_array_get(rules, i), err, errlen)) < 0) return -1;
    if (!catch_all) verdict(p, 1);
    if (p->n > MAX_INSNS) {
        snprintf(err, errlen, "linux.resources.devices: too many rules (%zu)", json_array_size(rules));
        return -1;
    }
    return 0;
}

/* log NULL: no verifier log (a log that does not fit fails the load with ENOSPC). */
static int load(const struct prog *p, char *log, size_t loglen) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)p->insn;
    attr.insn_cnt = (uint32_t)p->n;
    attr.license = (uint64_t)(uintptr_t)"Apache";
    if (log) {
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)loglen;
        attr.log_level = 1;
        log[0] = 0;
    }
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

/* runc appends these to every container's rules (its specconv's AllowedDevices), so a manager's list that
 * starts with deny-all still gets ptys, /dev/null and the like: docker's own list names no pty. */
static const char *const RUNC_ALLOWED[][4] = {
    {"c", NULL, NULL, "m"}, {"b", NULL, NULL, "m"},   /* mknod of anything */
    {"c", "1", "3", "rwm"}, {"c", "1", "8", "rwm"}, {"c", "1", "7", "rwm"}, {"c", "5", "0", "rwm"},
    {"c", "1", "5", "rwm"}, {"c", "1", "9", "rwm"},
    {"c", "136", NULL, "rwm"}, {"c", "5", "2", "rwm"}, /* /dev/pts/N and ptmx */
    {"c", "10", "200", "rwm"},                        /* tun */
};

static json_t *rule(int allow, const char *type, json_t *major, json_t *minor, const char *access) {
    json_t *r = json_pack("{s:b,s:s,s:s}", "allow", allow, "type", type, "access", access);
    if (major) json_object_set_new(r, "major", major);
    if (minor) json_object_set_new(r, "minor", minor);
    return r;
}

/* The rules as runc applies them: the container's, then an allow for each of its linux.devices, then
 * runc's defaults. */
static json_t *with_runc_rules(json_t *rules, json_t *devices) {
    json_t *all = json_deep_copy(rules);
    size_t i;
    json_t *d;
    json_array_foreach(devices, i, d) {
        const char *type = json_string_value(json_object_get(d, "type"));
        json_t *major = json_object_get(d, "major"), *minor = json_object_get(d, "minor");
        if (type && strchr("cbu", type[0]) && json_is_integer(major) && json_is_integer(minor))
            json_array_append_new(all, rule(1, type[0] == 'b' ? "b" : "c", json_integer(json_integer_value(major)),
                                            json_integer(json_integer_value(minor)), "rwm"));
    }
    for (size_t k = 0; k < sizeof RUNC_ALLOWED / sizeof RUNC_ALLOWED[0]; k++) {
        const char *const *a = RUNC_ALLOWED[k];
        json_array_append_new(all, rule(1, a[0], a[1] ? json_integer(atoi(a[1])) : NULL,
                                        a[2] ? json_integer(atoi(a[2])) : NULL, a[3]));
    }
    return all;
}

/* Compiles the rules and attaches the program to the cgroup folder (no BPF_F_ALLOW_MULTI: it replaces one
 * attached before). No rules: nothing is attached and every device is allowed, as before. */
int devices_apply(const char *cgroup, json_t *config_rules, json_t *devices, char *err, size_t errlen) {
    if (!json_is_array(config_rules) || json_array_size(config_rules) == 0) return 0;
    static struct prog p;
    static char log[65536];
    json_t *rules = with_runc_rules(config_rules, devices);
    int compiled = compile(rules, &p, err, errlen);
    json_decref(rules);
    if (compiled < 0) return -1;
    int prog = load(&p, NULL, 0);
    if (prog < 0) {
        /* Again with the verifier's log, for its reason; the error is the first load's. */
        int e = errno;
        int again = load(&p, log, sizeof log);
        if (again >= 0) {
            close(again);
            log[0] = 0;
        }
        errno = e;
        size_t len = strlen(log);
        snprintf(err, errlen, "linux.resources.devices: loading the BPF program: %s%s%s", strerror(errno),
                 len ? ": ..." : "", len > 300 ? log + len - 300 : log);
        return -1;
    }
    int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cg;
    attr.attach_bpf_fd = (uint32_t)prog;
    attr.attach_type = BPF_CGROUP_DEVICE;
    int rc = cg < 0 ? -1 : (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
    if (rc < 0) snprintf(err, errlen, "linux.resources.devices: attaching to %s: %s", cgroup, strerror(errno));
    else debugmsg("devices: %d instructions attached to %s", p.n, cgroup);
    /* The attachment holds the program from now on. */
    close(prog);
    if (cg >= 0) close(cg);
    return rc < 0 ? -1 : 0;
}
