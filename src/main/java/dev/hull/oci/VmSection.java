package dev.hull.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * The {@code vm} object of the seed's configuration (config.json or /etc/hull/vm.json): the hypervisor,
 * the guest kernel and its parameters, the image; plus Hull's initrd, memory (MiB), cpus and accel.
 * {@code bootTimeout} (seconds) bounds the wait for the guest agent's hello. {@code share} is how the built-in
 * hypervisor arguments give the guest the container's root: {@code virtiofs}, {@code 9p} or {@code auto};
 * {@code virtiofsd} the daemon for virtio-fs. {@code template}: {@code on} (the default) starts the VM as a
 * clone of a booted template where its shape allows, {@code off} boots it. Any field may be absent, and is
 * then taken from the next source.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VmSection(String path, Kernel kernel, String image, String initrd, Integer memory, Integer cpus,
        String accel, Integer bootTimeout, String share, String virtiofsd, String template) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Kernel(String path, String parameters) {
    }
}
