package dev.hull.oci;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpecJsonTest {
    /** The record binding Hull used before SpecJson: what the tree reading must equal. */
    private static final ObjectMapper ORACLE = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Every field Hull reads, plus fields it does not know, as the managers write them. */
    private static final String FULL = """
            {"ociVersion":"1.2.0","unknown":{"x":[1,2]},
             "process":{"terminal":true,"consoleSize":{"height":24,"width":80},
               "user":{"uid":1000,"gid":1001,"umask":18,"additionalGids":[10,27]},
               "args":["sh","-c","echo hi"],"env":["PATH=/bin","A=b"],"cwd":"/work",
               "capabilities":{"bounding":["CAP_CHOWN"]},
               "rlimits":[{"type":"RLIMIT_NOFILE","hard":1048576,"soft":1024}],"noNewPrivileges":true},
             "root":{"path":"rootfs","readonly":true},"hostname":"web",
             "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
               {"destination":"/data","type":"bind","source":"/srv","options":["rbind","ro"]}],
             "annotations":{"io.kubernetes.pod":"p","empty":""},
             "vm":{"path":"/usr/bin/qemu","kernel":{"path":"/k","parameters":"quiet"},"image":"/img",
               "initrd":"/i","memory":512,"cpus":2,"accel":"tcg","bootTimeout":30},
             "hooks":{"prestart":[{"path":"/proc/1/exe","args":["libnetwork-setkey","-exec-root=/x"]}],
               "createRuntime":[{"path":"/h","env":["K=v"],"timeout":5}],"createContainer":[],
               "startContainer":[],"poststart":[{"path":"/p"}],"poststop":[{"path":"/q"}]},
             "linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/run/netns/x"}],
               "sysctl":{"net.ipv4.ip_unprivileged_port_start":"0"},"resources":{"memory":{"limit":1}},
               "cgroupsPath":"/docker/abc"}}""";

    @Test
    void readsWhatJacksonsBindingOfTheRecordsRead() throws Exception {
        JsonNode tree = ORACLE.readTree(FULL);
        Spec bound = ORACLE.treeToValue(tree, Spec.class);
        Spec read = SpecJson.spec(tree);
        // linux.guest is what the agent gets as config.json has it: not a field of config.json itself.
        assertThat(read.linux().guest()).isEqualTo(ORACLE.readTree(
                "{\"resources\":{\"memory\":{\"limit\":1}},\"namespaces\":[{\"type\":\"pid\"},"
                        + "{\"type\":\"network\",\"path\":\"/run/netns/x\"}]}"));
        assertThat(new Spec(read.ociVersion(), read.process(), read.root(), read.hostname(), read.mounts(),
                read.annotations(), read.vm(), read.hooks(),
                new Linux(read.linux().namespaces(), read.linux().sysctl(), null, read.linux().cgroupsPath())))
                .isEqualTo(bound);
        JsonNode bare = ORACLE.readTree("{\"process\":{\"args\":[\"true\"]},\"root\":{\"path\":\"r\"}}");
        assertThat(SpecJson.spec(bare)).isEqualTo(ORACLE.treeToValue(bare, Spec.class));
        assertThat(SpecJson.spec(bare).process().user().uid()).isZero();
    }

    @Test
    void aProcessSurvivesItsTree() throws Exception {
        Process p = SpecJson.spec(ORACLE.readTree(FULL)).process();
        assertThat(SpecJson.process(SpecJson.tree(p), "process")).isEqualTo(p);
        assertThat(SpecJson.process(SpecJson.tree(Process.of("true")), "process")).isEqualTo(Process.of("true"));
    }

    /** The spec's rlimits are unsigned 64-bit: RLIM_INFINITY is 2^64-1, which is -1 as a Java long. */
    @Test
    void anUnlimitedRlimitIsMinusOne() throws Exception {
        JsonNode p = ORACLE.readTree("""
                {"args":["x"],"rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":0}]}""");
        assertThat(SpecJson.process(p, "process").rlimits().get(0).hard()).isEqualTo(-1L);
    }

    @Test
    void aFieldOfTheWrongTypeIsNamed() {
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"process\":{\"args\":\"ls\"}}")))
                .hasMessage("process.args must be an array of strings");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"process\":{\"args\":[\"ls\",1]}}")))
                .hasMessage("process.args[1] must be a string");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"process\":{\"user\":{\"uid\":\"x\"}}}")))
                .hasMessage("process.user.uid must be an integer");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"mounts\":[{\"destination\":5}]}")))
                .hasMessage("mounts[0].destination must be a string");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"root\":\"rootfs\"}")))
                .hasMessage("root must be an object");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("{\"linux\":{\"sysctl\":{\"a\":1}}}")))
                .hasMessage("linux.sysctl.a must be a string");
        assertThatThrownBy(() -> SpecJson.spec(ORACLE.readTree("[]")))
                .hasMessage("the configuration must be an object");
    }
}
