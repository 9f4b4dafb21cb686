package dev.hull.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.testing.Bundles;
import dev.hull.testing.HullTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * config.json's mount options as runc reads them, seen from inside the container: tmpcopyup, the recursive
 * attributes (rro...), the propagation of binds (mountinfo's optional fields), and an option the guest
 * cannot honour refused by name with nothing left.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliMountsIT extends HullTest {

    private static ArrayNode mountsWithProc(ObjectNode config) {
        ArrayNode mounts = config.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        return mounts;
    }

    private static void add(ArrayNode mounts, String destination, String type, String source, String... options) {
        ArrayNode o = mounts.addObject().put("destination", destination).put("type", type).put("source", source)
                .putArray("options");
        Arrays.stream(options).forEach(o::add);
    }

    /**
     * podman's tmpfs mounts carry tmpcopyup: the fresh tmpfs starts with what the image has at that path,
     * modes, owners and symlinks kept; what is written there afterwards stays in the guest's memory.
     */
    @Test
    void tmpcopyupFillsTheTmpfsWithTheImagesFiles() throws Exception {
        ObjectNode config = Bundles.config("sh", "-c",
                "stat -c '%n %a %u:%g %F' /data/f /data/l /data/sub /home/user; readlink /data/l; cat /data/sub/g;"
                        + " grep -E ' /(data|home) ' /proc/mounts | cut -d' ' -f2,3; echo new > /data/written");
        add(mountsWithProc(config), "/data", "tmpfs", "tmpfs", "nosuid", "nodev", "tmpcopyup");
        add((ArrayNode) config.get("mounts"), "/home", "tmpfs", "tmpfs", "tmpcopyup", "size=1m");
        Path bundle = Bundles.write(dir.resolve("copyup"), config);
        Path data = Files.createDirectories(bundle.resolve("rootfs/data/sub"));
        Path f = Files.writeString(bundle.resolve("rootfs/data/f"), "image\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(f, "unix:uid", 1000);
        Files.setAttribute(f, "unix:gid", 1000);
        Files.createSymbolicLink(bundle.resolve("rootfs/data/l"), Path.of("f"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(data.resolve("g"), "in a folder\n");

        var r = hull.run("run", "-b", bundle.toString(), "copyup");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("""
                /data/f 640 1000:1000 regular file
                /data/l 777 0:0 symbolic link
                /data/sub 700 0:0 directory
                /home/user 755 1000:1000 directory
                f
                in a folder
                /data tmpfs
                /home tmpfs
                """);
        assertThat(bundle.resolve("rootfs/data/written")).as("a write to the tmpfs reached the image").doesNotExist();
    }

    /** runc's recursive attributes (mount_setattr with AT_RECURSIVE): rro makes a bind read-only. */
    @Test
    void rroMakesABindReadOnly() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        ObjectNode config = Bundles.config("sh", "-c",
                "(echo x > /ro/file) 2>/dev/null && echo WRITTEN || echo refused; echo x > /rw/file && echo written");
        ArrayNode mounts = mountsWithProc(config);
        add(mounts, "/ro", "bind", vol.toString(), "rbind", "rro");
        add(mounts, "/rw", "bind", vol.toString(), "rbind", "rrw");
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("rro"), config).toString(), "rro");
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("refused\nwritten\n");
    }

    /**
     * idmap asks for an id-mapped mount, which the guest's shares (virtio-fs, 9p) cannot be: runc's option is
     * refused by name rather than ignored, and nothing of the container is left.
     */
    @Test
    void idmapIsRefusedByNameWithNothingLeft() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        ObjectNode config = Bundles.config("true");
        add(mountsWithProc(config), "/v", "bind", vol.toString(), "rbind", "idmap");
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("idmap"), config).toString(), "idmap");
        assertThat(r.code()).isNotZero();
        assertThat(r.stderr()).contains("idmap").contains("/v");
        assertThat(status("idmap")).isEqualTo("absent");
    }

    /**
     * A bind's propagation option is what the container's mountinfo shows: shared in a peer group, slave of
     * the guest's own mount of the volume (the agent's namespace plays the host's), private, unbindable.
     */
    @Test
    void bindPropagationIsWhatMountinfoShows() throws Exception {
        Path vol = Files.createDirectories(dir.resolve("vol"));
        ObjectNode config = Bundles.config("cat", "/proc/self/mountinfo");
        ArrayNode mounts = mountsWithProc(config);
        for (String p : List.of("shared", "rslave", "rprivate", "unbindable")) {
            add(mounts, "/" + p, "bind", vol.toString(), "rbind", p);
        }
        var r = hull.run("run", "-b", Bundles.write(dir.resolve("prop"), config).toString(), "prop");
        assertThat(r.code()).as(r.stderr()).isZero();
        Map<String, String> optional = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            List<String> fields = List.of(line.split(" "));
            int dash = fields.indexOf("-");
            if (fields.size() > 6 && dash > 6) {
                optional.put(fields.get(4), String.join(" ", fields.subList(6, dash)).replaceAll(":[0-9]+", ":N"));
            } else if (fields.size() > 6) {
                optional.put(fields.get(4), "");
            }
        }
        assertThat(optional).as(r.stdout())
                .containsEntry("/shared", "shared:N master:N")
                .containsEntry("/rslave", "master:N")
                .containsEntry("/rprivate", "")
                .containsEntry("/unbindable", "unbindable");
    }
}
