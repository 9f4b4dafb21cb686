/* The container's mounts: OCI mount objects, or the default set a container expects. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "agent.h"
#include "spawn.h"

static const struct { const char *name; int clear; unsigned long flag; } FLAGS[] = {
    {"ro", 0, MS_RDONLY}, {"rw", 1, MS_RDONLY}, {"nosuid", 0, MS_NOSUID}, {"suid", 1, MS_NOSUID},
    {"nodev", 0, MS_NODEV}, {"dev", 1, MS_NODEV}, {"noexec", 0, MS_NOEXEC}, {"exec", 1, MS_NOEXEC},
    {"sync", 0, MS_SYNCHRONOUS}, {"async", 1, MS_SYNCHRONOUS}, {"remount", 0, MS_REMOUNT},
    {"mand", 0, 0}, {"nomand", 0, 0}, {"atime", 1, MS_NOATIME}, {"noatime", 0, MS_NOATIME},
    {"diratime", 1, MS_NODIRATIME}, {"nodiratime", 0, MS_NODIRATIME}, {"relatime", 0, MS_RELATIME},
    {"norelatime", 1, MS_RELATIME}, {"strictatime", 0, MS_STRICTATIME}, {"nostrictatime", 1, MS_STRICTATIME},
    {"bind", 0, MS_BIND}, {"rbind", 0, MS_BIND | MS_REC}, {"defaults", 0, 0},
    {"nosymfollow", 0, MS_NOSYMFOLLOW}, {"symfollow", 1, MS_NOSYMFOLLOW}, {"acl", 0, MS_POSIXACL},
    {"noacl", 1, MS_POSIXACL}, {"dirsync", 0, MS_DIRSYNC}, {"iversion", 0, MS_I_VERSION},
    {"noiversion", 1, MS_I_VERSION}, {"lazytime", 0, MS_LAZYTIME}, {"nolazytime", 1, MS_LAZYTIME},
    {"silent", 0, MS_SILENT}, {"loud", 1, MS_SILENT},
};

/* runc's recursive attributes: mount_setattr(2) with AT_RECURSIVE on the mount and every mount under it.
 * The atime ones are an enum, not bits: setting one must clear the whole field (mount_setattr(2)); the
 * "back to the default" ones (ratime, rnostrictatime) set relatime, which is 0; rnorelatime, as runc's,
 * changes nothing. */
static const struct { const char *name; unsigned long long set, clr; } RECURSIVE[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0}, {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0}, {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0}, {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0}, {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0}, {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME}, {"rnorelatime", 0, 0},
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME}, {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0}, {"rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW},
};

static const struct { const char *name; unsigned long flag; } PROPAGATION[] = {
    {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static void mkdirs(const char *path) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    mkdir(tmp, 0755);
}

/* The flags a mount has now, as mount(2) flags: a bind remount must keep the ones the kernel locked
 * (nosuid, nodev... of a mount from a more privileged namespace) or it fails with EPERM. */
static unsigned long current_flags(const char *path) {
    static const struct { unsigned long st, ms; } MAP[] = {
        {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
    };
    struct statvfs sv;
    unsigned long flags = 0;
    if (statvfs(path, &sv) < 0) return 0;
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
        if (sv.f_flag & MAP[i].st) flags |= MAP[i].ms;
    return flags;
}

static int bind_remount(const char *target, unsigned long flags) {
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0) return 0;
    if (errno != EPERM) return -1;
    return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | (current_flags(target) & ~MS_RDONLY), NULL);
}

/* In a user namespace mknod of a device is refused (only the first namespace may make nodes): the agent's
 * own node is bound over an empty file instead, as runc does. */
static int bind_node(const char *source, const char *target) {
    int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    close(fd);
    return mount(source, target, NULL, MS_BIND, NULL);
}

/* With a user namespace /sys is the agent's, bound with its own cgroup2 mount under it, and the kernel
 * refuses a cgroup2 mount right on the root of one of the same superblock (EBUSY): an empty tmpfs goes
 * in between. 1: mounted. */
static int cgroup_over_cgroup(const char *target, const char *fstype, unsigned long flags, const char *data) {
    if (strcmp(fstype ? fstype : "", "cgroup2") != 0) return 0;
    if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755") < 0) return 0;
    if (mount("cgroup2", target, "cgroup2", flags, data && data[0] ? data : NULL) == 0) return 1;
    int e = errno;
    umount2(target, MNT_DETACH);
    errno = e;
    return 0;
}

/* One entry of a tmpcopyup copy, made in dst as it is in src (owner before mode: chown clears set-id bits). */
static int copy_tree(int src, int dst);

static int copy_entry(int src, int dst, const char *name, const struct stat *st) {
    int rc = 0;
    if (S_ISDIR(st->st_mode)) {
        if (mkdirat(dst, name, 0700) < 0) return -1;
        int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        rc = s < 0 || d < 0 ? -1 : copy_tree(s, d);
        if (s >= 0) close(s);
        if (d >= 0) close(d);
    } else if (S_ISREG(st->st_mode)) {
        int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int d = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        char buf[65536];
        ssize_t n = 0;
        while (s >= 0 && d >= 0 && (n = read(s, buf, sizeof buf)) > 0)
            if (write(d, buf, (size_t)n) != n) n = -1;
        rc = s < 0 || d < 0 || n < 0 ? -1 : 0;
        if (s >= 0) close(s);
        if (d >= 0) close(d);
    } else if (S_ISLNK(st->st_mode)) {
        char link[PATH_MAX];
        ssize_t n = readlinkat(src, name, link, sizeof link - 1);
        if (n < 0) return -1;
        link[n] = 0;
        rc = symlinkat(link, dst, name);
    } else {
        rc = mknodat(dst, name, st->st_mode, st->st_rdev);
    }
    if (rc < 0 || fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0) return -1;
    if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0) return -1;
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    return utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW);
}

static int copy_tree(int src, int dst) {
    int fd = dup(src);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0) close(fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        rc = fstatat(src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -1 : copy_entry(src, dst, e->d_name, &st);
    }
    closedir(dir);
    return rc;
}

/* tmpcopyup (runc's extension): the folder the image has at the target is opened first, the tmpfs mounted
 * over it, and what the folder holds copied in through that descriptor, so the workload finds the image's
 * files there (modes, owners, times, symlinks kept). Nothing is made outside the target: a container
 * with a user namespace can do it too. */
static int tmpfs_copyup(const char *source, const char *dest, const char *target, unsigned long flags,
                        const char *data, char *err, size_t errlen) {
    const char *step = "open the image's folder";
    int below = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC), top = -1, rc = -1;
    if (below < 0) goto failed;
    step = "mount";
    if (mount(source ? source : "tmpfs", target, "tmpfs", flags & ~MS_RDONLY, data[0] ? data : NULL) < 0) goto failed;
    step = "copy";
    rc = (top = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ? -1 : copy_tree(below, top);
    if (rc == 0 && (flags & MS_RDONLY)) {
        step = "read-only remount";
        rc = mount(NULL, target, NULL, MS_REMOUNT | flags, data[0] ? data : NULL);
    }
    if (rc < 0) {
        int e = errno;
        if (top >= 0) close(top);
        top = -1;
        umount2(target, MNT_DETACH);
        errno = e;
    }
failed:
    if (rc < 0) snprintf(err, errlen, "mount tmpfs on %s (tmpcopyup, %s): %s", dest, step, strerror(errno));
    if (below >= 0) close(below);
    if (top >= 0) close(top);
    return rc;
}

int propagation_flag(const char *name, unsigned long *out) {
    for (size_t k = 0; name && k < sizeof PROPAGATION / sizeof PROPAGATION[0]; k++)
        if (strcmp(PROPAGATION[k].name, name) == 0) {
            *out = PROPAGATION[k].flag;
            return 0;
        }
    return -1;
}

/* One mount's options as runc reads them: mount(2) flags, propagation changes (applied in order, as runc
 * does), recursive attributes, tmpcopyup, and the rest as the file system's data. */
struct mount_opts {
    unsigned long flags;
    unsigned long prop[8];
    size_t nprop;
    struct mount_attr rec;
    int copyup;
    char data[1024];
};

static int parse_options(json_t *m, const char *dest, struct mount_opts *mo, char *err, size_t errlen) {
    memset(mo, 0, sizeof *mo);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(m, "options"), i, o) {
        const char *opt = json_string_value(o);
        int known = 0;
        if (!opt) continue;
        if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
            snprintf(err, errlen, "mount %s: option %s (an id-mapped mount) is not supported: the guest's shares "
                     "(virtio-fs, 9p) cannot be id-mapped", dest, opt);
            return -1;
        }
        if (strcmp(opt, "tmpcopyup") == 0) {
            mo->copyup = 1;
            continue;
        }
        for (size_t k = 0; k < sizeof RECURSIVE / sizeof RECURSIVE[0]; k++) {
            if (strcmp(opt, RECURSIVE[k].name) == 0) {
                /* The last of a pair wins, as with the flags. */
                mo->rec.attr_set = (mo->rec.attr_set & ~(RECURSIVE[k].clr & ~MOUNT_ATTR__ATIME)) | RECURSIVE[k].set;
                mo->rec.attr_clr = (mo->rec.attr_clr & ~RECURSIVE[k].set) | RECURSIVE[k].clr;
                known = 1;
            }
        }
        for (size_t k = 0; k < sizeof FLAGS / sizeof FLAGS[0]; k++) {
            if (strcmp(opt, FLAGS[k].name) == 0) {
                if (FLAGS[k].clear) mo->flags &= ~FLAGS[k].flag;
                else mo->flags |= FLAGS[k].flag;
                known = 1;
            }
        }
        unsigned long prop;
        if (propagation_flag(opt, &prop) == 0) {
            if (mo->nprop == sizeof mo->prop / sizeof mo->prop[0]) {
                snprintf(err, errlen, "mount %s: too many propagation options", dest);
                return -1;
            }
            mo->prop[mo->nprop++] = prop;
            known = 1;
        }
        if (!known) {
            size_t used = strlen(mo->data);
            snprintf(mo->data + used, sizeof mo->data - used, "%s%s", used ? "," : "", opt);
        }
    }
    if (json_string_value(json_object_get(m, "type")) && strcmp(json_string_value(json_object_get(m, "type")), "bind") == 0)
        mo->flags |= MS_BIND;
    return 0;
}

static int is_shm_tmpfs(json_t *m) {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    const char *type = json_string_value(json_object_get(m, "type"));
    return dest && type && strcmp(dest, "/dev/shm") == 0 && strcmp(type, "tmpfs") == 0;
}

int shm_make(json_t *mounts, const char *path, char *err, size_t errlen) {
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m) {
        if (!is_shm_tmpfs(m)) continue;
        struct mount_opts mo;
        if (parse_options(m, "/dev/shm", &mo, err, errlen) < 0) return -1;
        mkdirs(path);
        if (mount("shm", path, "tmpfs", mo.flags & ~(MS_BIND | MS_REC | MS_REMOUNT), mo.data[0] ? mo.data : NULL) < 0) {
            snprintf(err, errlen, "mount tmpfs on /dev/shm: %s", strerror(errno));
            rmdir(path);
            return -1;
        }
        return 1;
    }
    return 0;
}

static int mount_one(const char *root, json_t *m, const char *shm, char *err, size_t errlen) {
    const char *dest = json_string_value(json_object_get(m, "destination"));
    const char *type = json_string_value(json_object_get(m, "type"));
    const char *source = json_string_value(json_object_get(m, "source"));
    if (!dest || dest[0] != '/' || strstr(dest, "..")) {
        snprintf(err, errlen, "mount destination '%s' must be an absolute path without '..'", dest ? dest : "");
        return -1;
    }
    struct mount_opts mo;
    if (parse_options(m, dest, &mo, err, errlen) < 0) return -1;
    /* The pod's /dev/shm, made in the agent's namespace: bound instead of a tmpfs of the container's own. */
    if (shm && is_shm_tmpfs(m)) {
        type = "bind";
        source = shm;
        mo.flags = (mo.flags | MS_BIND) & ~MS_REC;
        mo.copyup = 0;
    }
    unsigned long flags = mo.flags;
    char *data = mo.data;
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s%s", root, dest);
    struct stat st;
    int is_tmpfs = !(flags & MS_BIND) && type && strcmp(type, "tmpfs") == 0;
    /* runc's rule: a tmpfs on a folder the image has starts with that folder's mode (a mode= given wins). */
    if (is_tmpfs && stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        char with_mode[sizeof mo.data + 16];
        int n = snprintf(with_mode, sizeof with_mode, "mode=%04o%s%s", st.st_mode & 07777, data[0] ? "," : "", data);
        if (n < (int)sizeof mo.data) memcpy(data, with_mode, (size_t)n + 1);
    }
    if ((flags & MS_BIND) && source && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) {
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s", target);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) {
            *slash = 0;
            mkdirs(parent);
        }
        int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        if (fd >= 0) close(fd);
    } else {
        mkdirs(target);
    }
    if (flags & MS_BIND) {
        if (mount(source, target, NULL, flags & (MS_BIND | MS_REC), NULL) < 0) goto failed;
        /* A bind mount takes the source's flags: ro, nosuid... only apply through a remount. */
        unsigned long rest = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (rest && bind_remount(target, rest) < 0) goto failed;
    } else {
        /* The guest runs cgroup v2 only: a v1 "cgroup" mount gets the unified hierarchy. */
        const char *fstype = type && strcmp(type, "cgroup") == 0 ? "cgroup2" : type;
        if (is_tmpfs && mo.copyup) {
            if (tmpfs_copyup(source, dest, target, flags, data, err, errlen) < 0) return -1;
        } else if (mount(source ? source : fstype, target, fstype, flags, data[0] ? data : NULL) < 0 &&
            !(errno == EBUSY && cgroup_over_cgroup(target, fstype, flags, data))) {
            /* sysfs needs the network namespace's owner: a container with a user namespace in the VM's
             * network namespace gets the agent's /sys bound instead (runc's fallback). */
            if (errno != EPERM || strcmp(fstype ? fstype : "", "sysfs") != 0 ||
                mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0 ||
                bind_remount(target, flags & ~(MS_REMOUNT | MS_BIND | MS_REC)) < 0)
                goto failed;
        }
    }
    if ((mo.rec.attr_set || mo.rec.attr_clr) &&
        mount_setattr(AT_FDCWD, target, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &mo.rec, sizeof mo.rec) < 0)
        goto failed;
    for (size_t k = 0; k < mo.nprop; k++)
        if (mount(NULL, target, NULL, mo.prop[k], NULL) < 0) goto failed;
    return 0;
failed:
    snprintf(err, errlen, "mount %s on %s (type %s): %s", source ? source : "none", dest, type ? type : "bind",
             strerror(errno));
    return -1;
}

static const char *DEFAULT_MOUNTS =
    "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}]";

/* With a cgroup namespace the container sees its own cgroup as the root of this mount. */
static const char *CGROUP_MOUNT =
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup2\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}";

/* The device nodes and links every container has (runc's defaults). */
static void populate_dev(const char *root) {
    static const struct { const char *name; unsigned maj, min; } NODES[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
    };
    static const struct { const char *link, *to; } LINKS[] = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"},
    };
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof NODES / sizeof NODES[0]; i++) {
        snprintf(path, sizeof path, "%s/dev/%s", root, NODES[i].name);
        char host[64];
        snprintf(host, sizeof host, "/dev/%s", NODES[i].name);
        if (mknod(path, S_IFCHR | 0666, makedev(NODES[i].maj, NODES[i].min)) == 0) chmod(path, 0666);
        else if (errno == EPERM) bind_node(host, path);
    }
    for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++) {
        snprintf(path, sizeof path, "%s/dev/%s", root, LINKS[i].link);
        if (symlink(LINKS[i].to, path) < 0 && errno != EEXIST) {
        }
    }
}

int mount_setup(const char *root, json_t *mounts, int with_cgroup, const char *shm, char *err, size_t errlen) {
    json_t *defaults = NULL;
    if (!mounts) {
        defaults = json_loads(DEFAULT_MOUNTS, 0, NULL);
        if (with_cgroup) json_array_append_new(defaults, json_loads(CGROUP_MOUNT, 0, NULL));
        mounts = defaults;
    }
    size_t i;
    json_t *m;
    int rc = 0;
    json_array_foreach(mounts, i, m) {
        if (mount_one(root, m, shm, err, errlen) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0) populate_dev(root);
    json_decref(defaults);
    return rc;
}

/* linux.maskedPaths, inside the container after pivot_root (runc's maskPath): /dev/null over a file, an
 * empty read-only tmpfs over a folder; a path that is not there is left alone. */
int mask_paths(json_t *paths, char *err, size_t errlen) {
    size_t i;
    json_t *v;
    json_array_foreach(paths, i, v) {
        const char *path = json_string_value(v);
        struct stat st;
        if (!path || stat(path, &st) < 0) continue;
        int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
                                     : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (rc < 0) {
            snprintf(err, errlen, "linux.maskedPaths %s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* linux.readonlyPaths, inside the container after pivot_root (runc's readonlyPath): the path bound on
 * itself and remounted read-only; a path that is not there is left alone. */
int readonly_paths(json_t *paths, char *err, size_t errlen) {
    size_t i;
    json_t *v;
    json_array_foreach(paths, i, v) {
        const char *path = json_string_value(v);
        if (!path) continue;
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT) continue;
            snprintf(err, errlen, "linux.readonlyPaths %s: %s", path, strerror(errno));
            return -1;
        }
        if (bind_remount(path, MS_RDONLY | (current_flags(path) & ~MS_RDONLY)) < 0) {
            snprintf(err, errlen, "linux.readonlyPaths %s: remount read-only: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int create_device(const char *root, json_t *d, char *err, size_t errlen) {
    const char *path = json_string_value(json_object_get(d, "path"));
    const char *type = json_string_value(json_object_get(d, "type"));
    mode_t kind = !type ? 0 : strcmp(type, "c") == 0 || strcmp(type, "u") == 0 ? S_IFCHR
                            : strcmp(type, "b") == 0 ? S_IFBLK : strcmp(type, "p") == 0 ? S_IFIFO : 0;
    if (!path || path[0] != '/' || strstr(path, "..") || !kind) {
        snprintf(err, errlen, "linux.devices: '%s' (type %s) needs an absolute path without '..' and type c, b, u or p",
                 path ? path : "", type ? type : "none");
        return -1;
    }
    json_t *fm = json_object_get(d, "fileMode");
    mode_t perm = json_is_integer(fm) ? (mode_t)json_integer_value(fm) & 07777 : 0666;
    dev_t dev = makedev((unsigned)json_integer_value(json_object_get(d, "major")),
                        (unsigned)json_integer_value(json_object_get(d, "minor")));
    char target[PATH_MAX], parent[PATH_MAX];
    snprintf(target, sizeof target, "%s%s", root, path);
    snprintf(parent, sizeof parent, "%s", target);
    *strrchr(parent, '/') = 0;
    mkdirs(parent);
    /* An existing node (the default /dev/null...) is replaced, as runc does; a bound one is unbound first. */
    if (umount2(target, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) goto failed;
    if (unlink(target) < 0 && errno != ENOENT) goto failed;
    if (mknod(target, kind | perm, kind == S_IFIFO ? 0 : dev) < 0) {
        /* In a user namespace: the agent's node at the same path, bound as it is (runc's rule). */
        if (errno != EPERM || bind_node(path, target) < 0) goto failed;
        return 0;
    }
    if (chmod(target, perm) < 0 ||
        chown(target, (uid_t)json_integer_value(json_object_get(d, "uid")),
              (gid_t)json_integer_value(json_object_get(d, "gid"))) < 0)
        goto failed;
    return 0;
failed:
    snprintf(err, errlen, "linux.devices %s: %s", path, strerror(errno));
    return -1;
}

/* linux.devices: nodes in the container's /dev, after its mounts. */
int create_devices(const char *root, json_t *devices, char *err, size_t errlen) {
    size_t i;
    json_t *d;
    json_array_foreach(devices, i, d)
        if (create_device(root, d, err, errlen) < 0) return -1;
    return 0;
}
