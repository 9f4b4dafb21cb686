#ifndef HULL_SPAWN_H
#define HULL_SPAWN_H

#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

/* What a new container process needs; filled by the agent, used by the child after clone/fork. */
struct spawn_args {
    int is_init;           /* create: new namespaces and root; exec: join the first process's */
    json_t *process;       /* the OCI process object */
    json_t *mounts;        /* NULL: the default set */
    const char *hostname;  /* NULL: unchanged */
    json_t *sysctl;        /* create: linux.sysctl, an object of strings, or NULL */
    json_t *linux_cfg;     /* create: the request's linux object; exec: the container's (for seccomp) */
    int readonly;
    const char *share;     /* the image root */
    const char *dir;       /* the container's folder: root/ lives in it */
    const char *cgroup;    /* the container's cgroup folder, "" for none */
    const char *shm;       /* create: the tmpfs in the agent's namespace to bind on /dev/shm, or NULL */
    int userns;            /* create: a new user namespace (the agent writes its maps); exec: join it */
    int ns_fds[5];         /* exec: user, mnt, uts, ipc, cgroup of the first process (-1: none to join);
                            * create: uts and ipc of another container of the pod, when it names them */
    int stdin_r, stdout_w, stderr_w, devnull;
    int sync;              /* child end of the socketpair to the agent */
    int exec_err;          /* CLOEXEC pipe: execve's error, if any */
};

/* process.capabilities: read by process_rules.c (no syscalls), applied by caps.c. */
enum cap_set { CS_BOUNDING, CS_EFFECTIVE, CS_INHERITABLE, CS_PERMITTED, CS_AMBIENT, CAPS_SETS };
struct caps {
    uint64_t sets[CAPS_SETS]; /* a set left out (or no capabilities object at all) is empty, as with runc */
};
const char *cap_name(int cap);
/* last: the highest capability the kernel knows (caps_last); higher ones are skipped, as runc does. */
int caps_parse(json_t *caps, int last, struct caps *out, char *err, size_t errlen);
int caps_last(void);
int caps_before_setuid(const struct caps *c, char *err, size_t errlen);
int caps_after_setuid(const struct caps *c, uint64_t extra, char *err, size_t errlen);
int caps_final(const struct caps *c);
int caps_has_effective(const struct caps *c, int cap);
/* An exec's process as it runs: what it leaves out of capabilities and oomScoreAdj is the container's
 * (runc's rule); a new reference (process_rules.c). */
json_t *exec_process(json_t *exec, json_t *container);

/* linux.seccomp (seccomp.c): NULL with err empty when there is no profile. */
void *seccomp_compile(json_t *profile, char *err, size_t errlen);
int seccomp_install(void *filter);

/* linux.maskedPaths, readonlyPaths, devices, rootfsPropagation (mounts.c). */
int mask_paths(json_t *paths, char *err, size_t errlen);
int readonly_paths(json_t *paths, char *err, size_t errlen);
int create_devices(const char *root, json_t *devices, char *err, size_t errlen);
int propagation_flag(const char *name, unsigned long *out);

__attribute__((noreturn)) void child_main(struct spawn_args *a);
/* process.rlimits on pid (0: the caller); the first process gets them from the agent, before its user
 * namespace takes the right to raise them away (spawn.c). */
int rlimits_apply(pid_t pid, json_t *rlimits, char *err, size_t errlen);
/* process.oomScoreAdj into /proc/PID/oom_score_adj (0: the caller). */
int oom_score_apply(pid_t pid, json_t *process, char *err, size_t errlen);
/* linux.sysctl: the net.* keys (net != 0: they are the VM's network namespace, which the agent shares
 * with the container) or all the others (written by the container's process, in its namespaces). */
int sysctl_apply(json_t *sysctl, int net, char *err, size_t errlen);
/* shm: a tmpfs in the agent's namespace bound as the /dev/shm tmpfs of mounts (a pod's shared one), or NULL. */
int mount_setup(const char *root, json_t *mounts, int with_cgroup, const char *shm, char *err, size_t errlen);
/* The /dev/shm tmpfs of mounts made at path, in the agent's namespace: 1 made, 0 mounts has none, -1 error. */
int shm_make(json_t *mounts, const char *path, char *err, size_t errlen);

#endif
