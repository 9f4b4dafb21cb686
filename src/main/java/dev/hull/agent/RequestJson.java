package dev.hull.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hull.json.JsonText;
import dev.hull.oci.Mount;
import dev.hull.oci.Process;
import dev.hull.oci.SpecJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests as the agent reads them, and its common results and errors, through Jackson's tree model: binding
 * the records cost each shim ~40 ms of introspection on its way to a running container (hello 25 ms, create
 * 15 ms). This is the only writer of requests; the golden files (src/test/resources/golden/agent/) pin what
 * it writes. The rare requests' parts (a network's links and routes) and results (ps, stats) are still bound.
 */
final class RequestJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private RequestJson() {
    }

    static ObjectNode tree(Request request, ObjectMapper binder) {
        ObjectNode n = NODES.objectNode().put("op", request.op());
        switch (request) {
            case Request.Hello h -> n.put("minVersion", h.minVersion()).put("maxVersion", h.maxVersion());
            case Request.Create c -> {
                n.put("container", c.container());
                JsonText.put(n, "hostname", c.hostname());
                n.put("readonly", c.readonly());
                process(n, c.process());
                if (c.mounts() != null) {
                    ArrayNode mounts = n.putArray("mounts");
                    c.mounts().forEach(m -> mounts.add(mount(m)));
                }
                stdio(n, c.stdio());
                if (c.shares() != null) {
                    ArrayNode shares = n.putArray("shares");
                    c.shares().forEach(s -> shares.addObject().put("tag", s.tag()).put("readonly", s.readonly()));
                }
                if (c.sysctl() != null) {
                    ObjectNode sysctl = n.putObject("sysctl");
                    c.sysctl().forEach(sysctl::put);
                }
                if (c.linux() != null) {
                    n.set("linux", c.linux());
                }
                JsonText.put(n, "root", c.root());
                if (c.join() != null) {
                    ObjectNode join = n.putObject("join");
                    c.join().forEach(join::put);
                }
            }
            case Request.Start s -> n.put("container", s.container());
            case Request.Exec e -> {
                n.put("container", e.container()).put("exec", e.exec());
                process(n, e.process());
                stdio(n, e.stdio());
            }
            case Request.Signal s -> {
                n.put("container", s.container());
                JsonText.put(n, "exec", s.exec());
                n.put("signal", s.signal()).put("all", s.all());
            }
            case Request.Resize r -> {
                n.put("container", r.container());
                JsonText.put(n, "exec", r.exec());
                n.put("rows", r.rows()).put("cols", r.cols());
            }
            case Request.Wait w -> {
                n.put("container", w.container());
                JsonText.put(n, "exec", w.exec());
            }
            case Request.Ps p -> n.put("container", p.container());
            case Request.Stats s -> n.put("container", s.container());
            case Request.Update u -> {
                n.put("container", u.container());
                if (u.resources() != null) {
                    n.set("resources", u.resources());
                }
            }
            case Request.Delete d -> n.put("container", d.container());
            case Request.Network net -> {
                if (net.interfaces() != null) {
                    n.set("interfaces", binder.valueToTree(net.interfaces()));
                }
                if (net.routes() != null) {
                    n.set("routes", binder.valueToTree(net.routes()));
                }
                JsonText.put(n, "dnsRelay", net.dnsRelay());
            }
            case Request.Dns d -> {
                n.put("query", d.query());
                JsonText.put(n, "answer", d.answer());
            }
            case Request.Shutdown s -> {
            }
            case Request.SetTime t -> n.put("realtime", t.realtime());
            case Request.Freeze f -> n.put("container", f.container()).put("frozen", f.frozen());
            case Request.Forward f -> n.put("port", f.port()).put("in", f.in()).put("out", f.out());
            case Request.Clone c -> {
                n.put("entropy", c.entropy());
                var macs = n.putArray("macs");
                c.macs().forEach(m -> macs.addObject().put("from", m.from()).put("to", m.to()));
            }
        }
        return n;
    }

    /** A result the agent sent: the frequent ones read by hand, the others bound. */
    static <T> T result(JsonNode r, Class<T> type, ObjectMapper binder) throws IOException {
        Object value;
        if (type == Results.Empty.class) {
            value = new Results.Empty();
        } else if (type == Results.Pid.class) {
            value = new Results.Pid(r.path("pid").asInt());
        } else if (type == Results.ExitStatus.class) {
            value = new Results.ExitStatus(r.path("code").asInt(), r.path("signal").asInt());
        } else if (type == Results.HelloResult.class) {
            value = hello(r);
        } else if (type == Results.TimeSet.class) {
            value = new Results.TimeSet(r.path("was").asLong());
        } else {
            value = binder.treeToValue(r, type);
        }
        return type.cast(value);
    }

    /** An agent from before version ranges names one version; one from before capabilities serves every op. */
    private static Results.HelloResult hello(JsonNode r) {
        JsonNode c = r.path("clock");
        int version = r.path("version").asInt();
        List<String> capabilities = null;
        if (r.path("capabilities").isArray()) {
            capabilities = new ArrayList<>();
            for (JsonNode op : r.path("capabilities")) {
                capabilities.add(op.asText());
            }
        }
        return new Results.HelloResult(version, r.path("minVersion").asInt(version),
                r.path("maxVersion").asInt(version), capabilities == null ? null : List.copyOf(capabilities),
                JsonText.get(r, "agent"), JsonText.get(r, "kernel"), JsonText.get(r, "mode"), c.isObject()
                        ? new Results.Clock(JsonText.get(c, "clocksource"), JsonText.get(c, "clockevent"),
                                c.path("resolution").asLong())
                        : null);
    }

    /**
     * An error answer's {@code error}: {@code {"code":"ENOENT","message":"..."}}, or the bare message of an
     * agent from before codes.
     */
    static AgentException error(String op, JsonNode error) {
        if (error.isTextual()) {
            return new AgentException(op, ErrorCode.UNKNOWN, error.asText());
        }
        String message = JsonText.get(error, "message");
        return new AgentException(op, ErrorCode.of(JsonText.get(error, "code")),
                message == null ? error.toString() : message);
    }

    private static ObjectNode mount(Mount m) {
        ObjectNode n = NODES.objectNode();
        JsonText.put(n, "destination", m.destination());
        JsonText.put(n, "type", m.type());
        JsonText.put(n, "source", m.source());
        if (m.options() != null) {
            ArrayNode options = n.putArray("options");
            m.options().forEach(options::add);
        }
        return n;
    }

    private static void stdio(ObjectNode n, Stdio s) {
        if (s != null) {
            n.putObject("stdio").put("stdin", s.stdin()).put("stdout", s.stdout()).put("stderr", s.stderr());
        }
    }

    private static void process(ObjectNode n, Process p) {
        if (p != null) {
            n.set("process", SpecJson.tree(p));
        }
    }
}
