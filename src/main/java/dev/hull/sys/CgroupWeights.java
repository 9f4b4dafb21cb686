package dev.hull.sys;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The container's network class and priorities (linux.resources.network) and block I/O weights
 * (linux.resources.blockIO) in its host cgroup folder, as runc writes them: they weigh the VM's own traffic
 * and disk I/O (its qemu and virtiofsd are the container's processes on the host). Each file is written
 * only where the host has it: cgroup v1's net_cls, net_prio and blkio (blkio.weight under CFQ, blkio.bfq.*
 * under BFQ), cgroup v2's io.bfq.weight or else io.weight (v2 has no net_cls or net_prio).
 */
final class CgroupWeights {
    /** A network interface's name as the kernel takes it: 1 to 15 bytes, no blank, '/' or ':'. */
    private static final Pattern INTERFACE = Pattern.compile("[^\\s/:]{1,15}");

    private CgroupWeights() {
    }

    static void write(Path dir, JsonNode resources) throws IOException {
        network(dir, resources.path("network"));
        blockIo(dir, resources.path("blockIO"));
    }

    private static void network(Path dir, JsonNode network) throws IOException {
        long classId = network.path("classID").asLong(0);
        if (classId != 0) {
            writeIfThere(dir.resolve("net_cls.classid"), Long.toString(classId));
        }
        Path prio = dir.resolve("net_prio.ifpriomap");
        for (JsonNode p : network.path("priorities")) {
            String name = p.path("name").asText("");
            if (!INTERFACE.matcher(name).matches()) {
                throw new IOException("linux.resources.network.priorities: '" + name + "' is no interface name");
            }
            // One line per write: the kernel takes a single "name priority" each time.
            writeIfThere(prio, name + " " + p.path("priority").asLong(0));
        }
    }

    private static void blockIo(Path dir, JsonNode io) throws IOException {
        long weight = io.path("weight").asLong(0);
        long leafWeight = io.path("leafWeight").asLong(0);
        // runc's choice on v1: CFQ's files where they are, else BFQ's.
        boolean cfq = Files.exists(dir.resolve("blkio.weight"));
        String v1Weight = cfq ? "blkio.weight" : "blkio.bfq.weight";
        String v1Device = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
        boolean bfq2 = Files.exists(dir.resolve("io.bfq.weight"));
        if (weight != 0) {
            writeIfThere(dir.resolve(v1Weight), Long.toString(weight));
            if (bfq2) {
                writeIfThere(dir.resolve("io.bfq.weight"), Long.toString(weight));
            } else {
                // runc's mapping of blkio's 10..1000 onto io.weight's 1..10000.
                writeIfThere(dir.resolve("io.weight"), Long.toString(1 + (weight - 10) * 9999 / 990));
            }
        }
        if (leafWeight != 0) {
            writeIfThere(dir.resolve("blkio.leaf_weight"), Long.toString(leafWeight));
        }
        for (JsonNode d : io.path("weightDevice")) {
            String device = d.path("major").asLong(0) + ":" + d.path("minor").asLong(0) + " ";
            long w = d.path("weight").asLong(0);
            long leaf = d.path("leafWeight").asLong(0);
            if (w != 0) {
                writeIfThere(dir.resolve(v1Device), device + w);
                // Only BFQ weighs a device on v2.
                if (bfq2) {
                    writeIfThere(dir.resolve("io.bfq.weight"), device + w);
                }
            }
            if (leaf != 0) {
                writeIfThere(dir.resolve("blkio.leaf_weight_device"), device + leaf);
            }
        }
    }

    private static void writeIfThere(Path file, String value) throws IOException {
        if (Files.exists(file)) {
            Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
