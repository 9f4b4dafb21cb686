#ifndef HULL_SPAWN_H
#define HULL_SPAWN_H

#include <jansson.h>

/* What a new container process needs; filled by the agent, used by the child after clone/fork. */
struct spawn_args {
    int is_init;           /* create: new namespaces and root; exec: join the first process's */
    json_t *process;       /* the OCI process object */
    json_t *mounts;        /* NULL: the default set */
    const char *hostname;  /* NULL: unchanged */
    json_t *sysctl;        /* create: linux.sysctl, an object of strings, or NULL */
    int readonly;
    const char *share;     /* the image root */
    const char *dir;       /* the container's folder: root/ and rw/ live in it */
    const char *cgroup;    /* the container's cgroup folder, "" for none */
    int ns_fds[4];         /* exec: mnt, uts, ipc, cgroup of the first process (cgroup: -1 for none) */
    int stdin_r, stdout_w, stderr_w, devnull;
    int sync;              /* child end of the socketpair to the agent */
    int exec_err;          /* CLOEXEC pipe: execve's error, if any */
    int status_w;          /* create: where the namespace's init writes the workload's wait status */
};

__attribute__((noreturn)) void child_main(struct spawn_args *a);
int mount_setup(const char *root, json_t *mounts, int with_cgroup, char *err, size_t errlen);

#endif
