/* PID 1 duties in the guest: the file systems, the shared root, the agent's port, power-off. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"

#define SHARE_DIR "/run/hull/share"
#define PORT_NAME "hull.agent"

static void must_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data) {
    mkdir(dst, 0755);
    if (mount(src, dst, type, flags, data) < 0) logmsg("mount %s on %s: %s", type, dst, strerror(errno));
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (write(fd, text, strlen(text)) < 0) {
        /* A controller the kernel lacks: stats simply will not have it. */
    }
    close(fd);
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The port's /dev node, found by its name: there is no udev to make /dev/virtio-ports links. */
static int open_port(void) {
    for (int tries = 0; tries < 1000; tries++) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[300], text[64];
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, text, sizeof text - 1);
            close(fd);
            if (n <= 0) continue;
            text[n] = 0;
            text[strcspn(text, "\n")] = 0;
            if (strcmp(text, PORT_NAME) != 0) continue;
            char dev[300];
            snprintf(dev, sizeof dev, "/dev/%s", e->d_name);
            if (access(dev, F_OK) < 0) {
                unsigned maj, min;
                snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/dev", e->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
                if (fd >= 0) close(fd);
                if (n > 0) {
                    text[n] = 0;
                    if (sscanf(text, "%u:%u", &maj, &min) == 2) mknod(dev, S_IFCHR | 0600, makedev(maj, min));
                }
            }
            closedir(d);
            return open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        }
        if (d) closedir(d);
        sleep_ms(5);
    }
    return -1;
}

/* pivot_root refuses to move away from the initramfs (rootfs), so containers could not use it. Moving a
 * tmpfs over "/" first (what switch_root does) gives every later mount namespace a real root mount. */
static void leave_initramfs(void) {
    mkdir("/sysroot", 0755);
    if (mount("tmpfs", "/sysroot", "tmpfs", 0, "mode=0755") < 0 || chdir("/sysroot") < 0 ||
        mount("/sysroot", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
        logmsg("cannot leave the initramfs: %s", strerror(errno));
}

/* The share the kernel command line names (hull.share=TYPE:TAG, hull.share_opts=O): mounted at boot, or
 * in a template VM by clone. */
static char share_type[32] = "9p", share_tag[128], share_opts[512];
static int booted_as_template;

/* Mounts the share at SHARE_DIR; 0 when done or when there is none, else -1 with why in err. */
static int share_mount(char *err, size_t errlen) {
    if (!share_tag[0]) return 0;
    int rc;
    if (strcmp(share_type, "virtiofs") == 0) {
        rc = mount(share_tag, SHARE_DIR, "virtiofs", 0, share_opts[0] ? share_opts : NULL);
    } else {
        /* cache=loose: the image root does not change under a running container. */
        char opts[1024];
        snprintf(opts, sizeof opts, "trans=virtio,version=9p2000.L,msize=262144,posixacl,%s",
                 share_opts[0] ? share_opts : "cache=loose");
        rc = mount(share_tag, SHARE_DIR, "9p", 0, opts);
    }
    if (rc < 0) snprintf(err, errlen, "mount %s %s on %s: %s", share_type, share_tag, SHARE_DIR, strerror(errno));
    return rc;
}

/* Nothing here reads /proc/sys/kernel/random/boot_id (nor should anything before clone): the kernel makes
 * it at its first read, so in a template it is made by each clone, after clone's reseed, and differs. */
int guest_boot(void) {
    leave_initramfs();
    must_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    must_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    must_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    must_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620");
    must_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    must_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
    must_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    write_file("/sys/fs/cgroup/cgroup.subtree_control", "+cpu");
    write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    write_file("/sys/fs/cgroup/cgroup.subtree_control", "+pids");

    int console = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (console >= 0) {
        for (int i = 0; i < 3; i++) dup2(console, i);
        if (console > 2) close(console);
    }

    char cmdline[4096] = "";
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
        if (n > 0) cmdline[n] = 0;
        close(fd);
    }
    char *save = NULL;
    for (char *tok = strtok_r(cmdline, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        if (strncmp(tok, "hull.share=", 11) == 0) {
            char *colon = strchr(tok + 11, ':');
            if (colon) {
                snprintf(share_type, sizeof share_type, "%.*s", (int)(colon - tok - 11), tok + 11);
                snprintf(share_tag, sizeof share_tag, "%s", colon + 1);
            }
        } else if (strncmp(tok, "hull.share_opts=", 16) == 0) {
            snprintf(share_opts, sizeof share_opts, "%s", tok + 16);
        } else if (strcmp(tok, "hull.debug=1") == 0) {
            g_debug = 1;
        } else if (strcmp(tok, "hull.template=1") == 0) {
            g_cfg.template_vm = booted_as_template = 1;
        }
    }
    mkdir("/run/hull", 0755);
    mkdir("/run/hull/c", 0755);
    mkdir(SHARE_DIR, 0755);
    /* A template's share is mounted by clone: qemu refuses to migrate (save) a VM whose 9p export is
     * mounted. */
    char err[1024];
    if (!g_cfg.template_vm && share_mount(err, sizeof err) < 0) logmsg("%s", err);
    snprintf(g_cfg.share, sizeof g_cfg.share, "%s", SHARE_DIR);
    snprintf(g_cfg.state_dir, sizeof g_cfg.state_dir, "/run/hull/c");
    snprintf(g_cfg.cgroup_root, sizeof g_cfg.cgroup_root, "/sys/fs/cgroup");
    /* Like a fresh network namespace under runc: lo is up, whatever else the container gets. */
    int rc = net_loopback_up();
    if (rc < 0) logmsg("lo up: %s", strerror(-rc));
    int port = open_port();
    if (port < 0) logmsg("no virtio-serial port named %s", PORT_NAME);
    debugmsg("booted; share %s:%s%s", share_type, share_tag, g_cfg.template_vm ? " (template: not mounted)" : "");
    return port;
}

int do_clone(json_t *req, char *err, size_t errlen) {
    fail_code(AE_EINVAL);
    if (!g_cfg.template_vm) {
        snprintf(err, errlen, "%s",
                 booted_as_template ? "this VM is already cloned" : "this VM was not booted as a template");
        return -1;
    }
    unsigned char entropy[CLONE_MAX_ENTROPY];
    int n = clone_entropy(req, entropy, err, errlen);
    if (n < 0) return -1;
    fail_code(AE_EFAIL);
    /* The clone's memory is the template's, its CRNG's state too: the host's bytes go into the pool (and
     * are credited), then the CRNG reseeds from it at once rather than at its next interval. */
    struct rand_pool_info *pool = malloc(sizeof *pool + (size_t)n);
    if (!pool) abort();
    pool->entropy_count = n * 8;
    pool->buf_size = n;
    memcpy(pool->buf, entropy, (size_t)n);
    int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC), rc = -1;
    if (fd < 0) snprintf(err, errlen, "open /dev/urandom: %s", strerror(errno));
    else if (ioctl(fd, RNDADDENTROPY, pool) < 0) snprintf(err, errlen, "RNDADDENTROPY: %s", strerror(errno));
    else if (ioctl(fd, RNDRESEEDCRNG) < 0) snprintf(err, errlen, "RNDRESEEDCRNG: %s", strerror(errno));
    else rc = 0;
    if (fd >= 0) close(fd);
    free(pool);
    json_t *macs = json_object_get(req, "macs");
    if (rc < 0 || (macs && net_set_macs(macs, err, errlen) < 0) || share_mount(err, errlen) < 0)
        return -1; /* still a template: the host may try again */
    g_cfg.template_vm = 0;
    debugmsg("cloned: reseeded with %d bytes, share %s:%s mounted", n, share_type, share_tag);
    return 0;
}

void guest_poweroff(void) {
    sync();
    /* No ACPI on microvm: a reboot ends qemu, which runs with -no-reboot. */
    reboot(RB_AUTOBOOT);
    for (;;) pause();
}
