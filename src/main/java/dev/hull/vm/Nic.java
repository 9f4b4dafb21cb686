package dev.hull.vm;

import java.util.List;

/**
 * A virtio-net NIC on a host tap. The guest sees {@code mac}, the MAC of the container interface the tap
 * mirrors. vhost-net moves the data path into the host kernel; it needs KVM's irqfd, so only with KVM.
 */
public record Nic(String id, String tap, String mac, boolean vhost) {
    public List<String> qemuArgs() {
        return List.of("-netdev", "tap,id=" + id + ",ifname=" + tap + ",script=no,downscript=no"
                + (vhost ? ",vhost=on" : ""), "-device", "virtio-net-device,netdev=" + id + ",mac=" + mac);
    }
}
