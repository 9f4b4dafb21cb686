package dev.hull.vm;

import java.nio.file.Path;
import java.util.List;

/** A host folder given to the guest over virtio-9p under {@code tag}; read-only at qemu's end when asked. */
public record Share(String tag, Path hostDir, boolean readonly) {
    /** The qemu arguments that export it (commas in a path are doubled, qemu's escape). */
    public List<String> qemuArgs() {
        String path = hostDir.toString().replace(",", ",,");
        return List.of("-fsdev", "local,id=" + tag + ",path=" + path + ",security_model=none"
                + (readonly ? ",readonly=on" : ""), "-device", "virtio-9p-device,fsdev=" + tag + ",mount_tag=" + tag);
    }
}
