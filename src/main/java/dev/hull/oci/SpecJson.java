package dev.hull.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json's parts Hull acts on, read from Jackson's tree model. Binding the records made the create
 * CLI and the shim each pay ~50 ms of Jackson's introspection in their fresh JVMs (reading the tree of
 * docker's config.json: ~26 ms, binding it: ~74 ms). Unknown fields are ignored; a field of the wrong
 * type is an error that names it ("process.args must be an array of strings").
 */
public final class SpecJson {
    private SpecJson() {
    }

    /** A field that is there but not of the type the spec gives it. */
    public static final class TypeException extends Exception {
        private static final long serialVersionUID = 1L;

        TypeException(String where, String what) {
            super(where + " must be " + what);
        }
    }

    public static Spec spec(JsonNode n) throws TypeException {
        requireObject(n, "the configuration");
        JsonNode root = object(n, "root", "root");
        return new Spec(text(n, "ociVersion", "ociVersion"),
                has(n, "process") ? process(object(n, "process", "process"), "process") : null,
                root == null ? null
                        : new Spec.Root(text(root, "path", "root.path"), bool(root, "readonly", "root.readonly")),
                text(n, "hostname", "hostname"),
                list(n, "mounts", "mounts", SpecJson::mount),
                strings(n, "annotations", "annotations"),
                has(n, "vm") ? vm(object(n, "vm", "vm"), "vm") : null,
                hooks(object(n, "hooks", "hooks")),
                linux(object(n, "linux", "linux")));
    }

    public static Process process(JsonNode n, String where) throws TypeException {
        requireObject(n, where);
        JsonNode size = object(n, "consoleSize", where + ".consoleSize");
        JsonNode user = object(n, "user", where + ".user");
        return new Process(bool(n, "terminal", where + ".terminal"),
                size == null ? null : new Process.ConsoleSize(integer(size, "height", where + ".consoleSize.height", 0),
                        integer(size, "width", where + ".consoleSize.width", 0)),
                user == null ? null : new Process.User(id(user, "uid", where + ".user.uid"),
                        id(user, "gid", where + ".user.gid"),
                        has(user, "umask") ? integer(user, "umask", where + ".user.umask", 0) : null,
                        list(user, "additionalGids", where + ".user.additionalGids", SpecJson::idValue)),
                textList(n, "args", where + ".args"), textList(n, "env", where + ".env"),
                text(n, "cwd", where + ".cwd"),
                list(n, "rlimits", where + ".rlimits", (r, at) -> {
                    requireObject(r, at);
                    return new Process.Rlimit(text(r, "type", at + ".type"), number(r.get("hard"), at + ".hard")
                            .longValue(), number(r.get("soft"), at + ".soft").longValue());
                }),
                bool(n, "noNewPrivileges", where + ".noNewPrivileges"),
                capabilities(object(n, "capabilities", where + ".capabilities"), where + ".capabilities"),
                optionalInt(n, "oomScoreAdj", where + ".oomScoreAdj"));
    }

    private static Process.Capabilities capabilities(JsonNode n, String where) throws TypeException {
        if (n == null) {
            return null;
        }
        return new Process.Capabilities(textList(n, "bounding", where + ".bounding"),
                textList(n, "effective", where + ".effective"), textList(n, "inheritable", where + ".inheritable"),
                textList(n, "permitted", where + ".permitted"), textList(n, "ambient", where + ".ambient"));
    }

    /** The process as config.json writes it (what {@link #process} reads back). */
    public static ObjectNode tree(Process p) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("terminal", p.terminal());
        if (p.consoleSize() != null) {
            n.putObject("consoleSize").put("height", p.consoleSize().height()).put("width", p.consoleSize().width());
        }
        ObjectNode user = n.putObject("user").put("uid", p.user().uid()).put("gid", p.user().gid());
        if (p.user().umask() != null) {
            user.put("umask", p.user().umask());
        }
        if (p.user().additionalGids() != null) {
            p.user().additionalGids().forEach(user.putArray("additionalGids")::add);
        }
        p.args().forEach(n.putArray("args")::add);
        p.env().forEach(n.putArray("env")::add);
        n.put("cwd", p.cwd());
        if (p.rlimits() != null) {
            ArrayNode limits = n.putArray("rlimits");
            p.rlimits().forEach(r -> limits.addObject().put("type", r.type()).put("hard", r.hard())
                    .put("soft", r.soft()));
        }
        n.put("noNewPrivileges", p.noNewPrivileges());
        if (p.capabilities() != null) {
            ObjectNode caps = n.putObject("capabilities");
            Process.Capabilities c = p.capabilities();
            String[] names = {"bounding", "effective", "inheritable", "permitted", "ambient"};
            for (int i = 0; i < names.length; i++) {
                if (c.sets().get(i) != null) {
                    c.sets().get(i).forEach(caps.putArray(names[i])::add);
                }
            }
        }
        if (p.oomScoreAdj() != null) {
            n.put("oomScoreAdj", p.oomScoreAdj());
        }
        return n;
    }

    /** The seed's {@code vm} object (config.json's, or /etc/hull/vm.json's). */
    public static VmSection vm(JsonNode n, String where) throws TypeException {
        requireObject(n, where);
        JsonNode kernel = object(n, "kernel", where + ".kernel");
        return new VmSection(text(n, "path", where + ".path"),
                kernel == null ? null : new VmSection.Kernel(text(kernel, "path", where + ".kernel.path"),
                        text(kernel, "parameters", where + ".kernel.parameters")),
                text(n, "image", where + ".image"), text(n, "initrd", where + ".initrd"),
                optionalInt(n, "memory", where + ".memory"), optionalInt(n, "cpus", where + ".cpus"),
                text(n, "accel", where + ".accel"), optionalInt(n, "bootTimeout", where + ".bootTimeout"),
                text(n, "share", where + ".share"), text(n, "virtiofsd", where + ".virtiofsd"),
                text(n, "template", where + ".template"));
    }

    private static Mount mount(JsonNode m, String at) throws TypeException {
        requireObject(m, at);
        return new Mount(text(m, "destination", at + ".destination"), text(m, "type", at + ".type"),
                text(m, "source", at + ".source"), list(m, "options", at + ".options", SpecJson::textValue));
    }

    private static Hooks hooks(JsonNode n) throws TypeException {
        if (n == null) {
            return null;
        }
        return new Hooks(hookList(n, "prestart"), hookList(n, "createRuntime"), hookList(n, "createContainer"),
                hookList(n, "startContainer"), hookList(n, "poststart"), hookList(n, "poststop"));
    }

    private static List<Hooks.Hook> hookList(JsonNode hooks, String phase) throws TypeException {
        return list(hooks, phase, "hooks." + phase, (h, at) -> {
            requireObject(h, at);
            return new Hooks.Hook(text(h, "path", at + ".path"), list(h, "args", at + ".args", SpecJson::textValue),
                    list(h, "env", at + ".env", SpecJson::textValue), optionalInt(h, "timeout", at + ".timeout"));
        });
    }

    private static Linux linux(JsonNode n) throws TypeException {
        if (n == null) {
            return null;
        }
        ObjectNode guest = JsonNodeFactory.instance.objectNode();
        for (String field : Linux.GUEST_FIELDS) {
            if (has(n, field)) {
                guest.set(field, n.get(field));
            }
        }
        return new Linux(list(n, "namespaces", "linux.namespaces", (ns, at) -> {
            requireObject(ns, at);
            return new Linux.Namespace(text(ns, "type", at + ".type"), text(ns, "path", at + ".path"));
        }), strings(n, "sysctl", "linux.sysctl"), guest.isEmpty() ? null : guest,
                text(n, "cgroupsPath", "linux.cgroupsPath"));
    }

    /** Reads one element of an array; {@code at} names it ("mounts[2]"). */
    private interface Element<T> {
        T read(JsonNode element, String at) throws TypeException;
    }

    private static boolean has(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && !v.isNull();
    }

    private static void requireObject(JsonNode n, String where) throws TypeException {
        if (n == null || !n.isObject()) {
            throw new TypeException(where, "an object");
        }
    }

    private static JsonNode object(JsonNode n, String field, String where) throws TypeException {
        if (!has(n, field)) {
            return null;
        }
        requireObject(n.get(field), where);
        return n.get(field);
    }

    private static String text(JsonNode n, String field, String where) throws TypeException {
        return has(n, field) ? textValue(n.get(field), where) : null;
    }

    private static String textValue(JsonNode v, String where) throws TypeException {
        if (!v.isTextual()) {
            throw new TypeException(where, "a string");
        }
        return v.textValue();
    }

    private static boolean bool(JsonNode n, String field, String where) throws TypeException {
        if (!has(n, field)) {
            return false;
        }
        if (!n.get(field).isBoolean()) {
            throw new TypeException(where, "true or false");
        }
        return n.get(field).booleanValue();
    }

    private static Number number(JsonNode v, String where) throws TypeException {
        if (v == null || !v.isIntegralNumber()) {
            throw new TypeException(where, "an integer");
        }
        return v.numberValue();
    }

    /** A uid or gid: silently cut to 32 bits, 4294967296 would be root. */
    private static int id(JsonNode n, String field, String where) throws TypeException {
        return has(n, field) ? idValue(n.get(field), where) : 0;
    }

    private static int idValue(JsonNode v, String where) throws TypeException {
        long id = number(v, where).longValue();
        if (!v.canConvertToLong() || id < 0 || id > Integer.MAX_VALUE) {
            throw new TypeException(where, "an id from 0 to " + Integer.MAX_VALUE);
        }
        return (int) id;
    }

    private static int integer(JsonNode n, String field, String where, int absent) throws TypeException {
        return has(n, field) ? number(n.get(field), where).intValue() : absent;
    }

    private static Integer optionalInt(JsonNode n, String field, String where) throws TypeException {
        return has(n, field) ? number(n.get(field), where).intValue() : null;
    }

    private static <T> List<T> list(JsonNode n, String field, String where, Element<T> element) throws TypeException {
        if (!has(n, field)) {
            return null;
        }
        JsonNode array = n.get(field);
        if (!array.isArray()) {
            throw new TypeException(where, "an array");
        }
        List<T> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(element.read(array.get(i), where + "[" + i + "]"));
        }
        return out;
    }

    private static List<String> textList(JsonNode n, String field, String where) throws TypeException {
        if (has(n, field) && !n.get(field).isArray()) {
            throw new TypeException(where, "an array of strings");
        }
        return list(n, field, where, SpecJson::textValue);
    }

    private static Map<String, String> strings(JsonNode n, String field, String where) throws TypeException {
        JsonNode map = object(n, field, where);
        if (map == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : map.properties()) {
            out.put(e.getKey(), textValue(e.getValue(), where + "." + e.getKey()));
        }
        return out;
    }
}
