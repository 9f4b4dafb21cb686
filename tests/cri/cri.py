#!/usr/bin/python3
"""A small CRI client for the tests: the calls kubelet makes to a container runtime, over gRPC.

    python3 cri.py --socket /path/containerd.sock VERB ['{"json": "arguments"}']

prints the answer as JSON on stdout. A gRPC error goes to stderr as JSON ({"code", "details"}) and
the exit status is 2; a bad command line exits 1.

No generated code (there is no protoc here): the few messages needed are written and read by hand in
protobuf's wire format. Field numbers are those of the CRI API's runtime.v1 api.proto
(k8s.io/cri-api, pkg/apis/runtime/v1/api.proto); the names below are that file's.
Needs Debian's python3-grpcio (run it with /usr/bin/python3).

Verbs and their JSON (fields as in api.proto; namespace modes as names, "POD", "CONTAINER", "NODE"):
  version                {}
  status                 {}
  image-status           {"image": "localhost/busybox:x"}
  run-pod-sandbox        {"config": PodSandboxConfig, "runtime_handler": "hull"}
  pod-sandbox-status     {"pod_sandbox_id": ID, "verbose": false}
  stop-pod-sandbox       {"pod_sandbox_id": ID}
  remove-pod-sandbox     {"pod_sandbox_id": ID}
  list-pod-sandbox       {}
  create-container       {"pod_sandbox_id": ID, "config": ContainerConfig, "sandbox_config": PodSandboxConfig}
  start-container        {"container_id": ID}
  container-status       {"container_id": ID, "verbose": false}
  exec-sync              {"container_id": ID, "cmd": [...], "timeout": 10}
  stop-container         {"container_id": ID, "timeout": 10}
  remove-container       {"container_id": ID}
  list-containers        {"pod_sandbox_id": ID}   (optional filter)
  port-forward           {"pod_sandbox_id": ID, "port": [8080]}   -> {"url": URL} (tests/cri/portforward.py
                         speaks to that URL)
"""
import argparse
import json
import sys

import grpc

RUNTIME = "/runtime.v1.RuntimeService/"
IMAGES = "/runtime.v1.ImageService/"

NAMESPACE_MODES = {"POD": 0, "CONTAINER": 1, "NODE": 2, "TARGET": 3}
PROFILE_TYPES = {"RuntimeDefault": 0, "Unconfined": 1, "Localhost": 2}
PROTOCOLS = {"TCP": 0, "UDP": 1, "SCTP": 2}
SANDBOX_STATES = {0: "SANDBOX_READY", 1: "SANDBOX_NOTREADY"}
CONTAINER_STATES = {0: "CONTAINER_CREATED", 1: "CONTAINER_RUNNING", 2: "CONTAINER_EXITED", 3: "CONTAINER_UNKNOWN"}

# --- protobuf wire format: writing -------------------------------------------------------------

VARINT, LENGTH_DELIMITED = 0, 2


def varint(n):
    """An unsigned varint; a negative int64/int32 is written as its 64-bit two's complement."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def tag(field, wire_type):
    return varint(field << 3 | wire_type)


def delimited(field, data):
    return tag(field, LENGTH_DELIMITED) + varint(len(data)) + data


def string(field, value):
    """A string field; proto3 leaves out the empty string."""
    return delimited(field, value.encode()) if value else b""


def strings(field, values):
    return b"".join(delimited(field, v.encode()) for v in values or [])


def integer(field, value):
    """An int32/int64/uint32/enum field; proto3 leaves out zero."""
    return tag(field, VARINT) + varint(int(value)) if value else b""


def boolean(field, value):
    return integer(field, 1 if value else 0)


def message(field, body):
    """A message field: present (even when empty) unless body is None."""
    return b"" if body is None else delimited(field, body)


def string_map(field, mapping):
    """map<string, string>: one entry message (key = 1, value = 2) per pair."""
    return b"".join(delimited(field, string(1, k) + string(2, v)) for k, v in (mapping or {}).items())


def mode(value):
    return NAMESPACE_MODES[value] if isinstance(value, str) else int(value or 0)


# --- protobuf wire format: reading -------------------------------------------------------------


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def parse(data):
    """A message's fields: {number: [value, ...]}, bytes for length-delimited, int for varints."""
    fields = {}
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            value, i = read_varint(data, i)
        elif wire_type == LENGTH_DELIMITED:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire_type == 1:  # fixed64
            value, i = data[i:i + 8], i + 8
        elif wire_type == 5:  # fixed32
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire_type)
        fields.setdefault(number, []).append(value)
    return fields


def get_string(fields, number):
    return fields.get(number, [b""])[-1].decode()


def get_strings(fields, number):
    return [v.decode() for v in fields.get(number, [])]


def get_bytes(fields, number):
    return fields.get(number, [b""])[-1]


def get_int(fields, number):
    """A signed int32/int64 (negative values come as 64-bit two's complement)."""
    value = fields.get(number, [0])[-1]
    return value - (1 << 64) if value >= 1 << 63 else value


def get_message(fields, number):
    """A sub-message's fields, or None when it is absent."""
    return parse(fields[number][-1]) if number in fields else None


def get_messages(fields, number):
    return [parse(v) for v in fields.get(number, [])]


def get_map(fields, number):
    return {get_string(e, 1): get_string(e, 2) for e in get_messages(fields, number)}


# --- requests (the messages kubelet sends) -----------------------------------------------------


def pod_sandbox_metadata(m):
    # PodSandboxMetadata: name = 1, uid = 2, namespace = 3, attempt = 4
    return string(1, m.get("name", "")) + string(2, m.get("uid", "")) + string(3, m.get("namespace", "")) \
        + integer(4, m.get("attempt", 0))


def dns_config(d):
    # DNSConfig: servers = 1, searches = 2, options = 3
    return strings(1, d.get("servers")) + strings(2, d.get("searches")) + strings(3, d.get("options"))


def port_mapping(p):
    # PortMapping: protocol = 1, container_port = 2, host_port = 3, host_ip = 4
    return integer(1, PROTOCOLS.get(p.get("protocol", "TCP"), 0)) + integer(2, p.get("container_port", 0)) \
        + integer(3, p.get("host_port", 0)) + string(4, p.get("host_ip", ""))


def namespace_option(n):
    # NamespaceOption: network = 1, pid = 2, ipc = 3, target_id = 4
    return integer(1, mode(n.get("network"))) + integer(2, mode(n.get("pid"))) + integer(3, mode(n.get("ipc"))) \
        + string(4, n.get("target_id", ""))


def security_profile(p):
    # SecurityProfile: profile_type = 1, localhost_ref = 2
    return integer(1, PROFILE_TYPES.get(p.get("profile_type", "RuntimeDefault"), 0)) \
        + string(2, p.get("localhost_ref", ""))


def int64_value(v):
    # Int64Value: value = 1
    return None if v is None else integer(1, v)


def linux_sandbox_security_context(s):
    # LinuxSandboxSecurityContext: namespace_options = 1, run_as_user = 3, readonly_rootfs = 4,
    # supplemental_groups = 5 (not written here), privileged = 6, run_as_group = 8, seccomp = 9, apparmor = 10
    return message(1, optional(namespace_option, s.get("namespace_options"))) \
        + message(3, int64_value(s.get("run_as_user"))) + boolean(4, s.get("readonly_rootfs")) \
        + boolean(6, s.get("privileged")) + message(8, int64_value(s.get("run_as_group"))) \
        + message(9, optional(security_profile, s.get("seccomp"))) \
        + message(10, optional(security_profile, s.get("apparmor")))


def linux_pod_sandbox_config(linux):
    # LinuxPodSandboxConfig: cgroup_parent = 1, security_context = 2, sysctls = 3
    return string(1, linux.get("cgroup_parent", "")) \
        + message(2, optional(linux_sandbox_security_context, linux.get("security_context"))) \
        + string_map(3, linux.get("sysctls"))


def pod_sandbox_config(c):
    # PodSandboxConfig: metadata = 1, hostname = 2, log_directory = 3, dns_config = 4, port_mappings = 5,
    # labels = 6, annotations = 7, linux = 8
    return message(1, pod_sandbox_metadata(c.get("metadata", {}))) + string(2, c.get("hostname", "")) \
        + string(3, c.get("log_directory", "")) + message(4, optional(dns_config, c.get("dns_config"))) \
        + b"".join(delimited(5, port_mapping(p)) for p in c.get("port_mappings", [])) \
        + string_map(6, c.get("labels")) + string_map(7, c.get("annotations")) \
        + message(8, optional(linux_pod_sandbox_config, c.get("linux")))


def run_pod_sandbox_request(a):
    # RunPodSandboxRequest: config = 1, runtime_handler = 2
    return message(1, pod_sandbox_config(a["config"])) + string(2, a.get("runtime_handler", ""))


def pod_sandbox_id_request(a):
    # StopPodSandboxRequest, RemovePodSandboxRequest: pod_sandbox_id = 1
    return string(1, a["pod_sandbox_id"])


def pod_sandbox_status_request(a):
    # PodSandboxStatusRequest: pod_sandbox_id = 1, verbose = 2
    return string(1, a["pod_sandbox_id"]) + boolean(2, a.get("verbose"))


def image_spec(i):
    # ImageSpec: image = 1, annotations = 2
    return string(1, i.get("image", "")) + string_map(2, i.get("annotations"))


def key_value(k, v):
    # KeyValue: key = 1, value = 2
    return string(1, k) + string(2, v)


def mount(m):
    # Mount: container_path = 1, host_path = 2, readonly = 3, selinux_relabel = 4, propagation = 5
    propagation = {"PROPAGATION_PRIVATE": 0, "PROPAGATION_HOST_TO_CONTAINER": 1, "PROPAGATION_BIDIRECTIONAL": 2}
    return string(1, m["container_path"]) + string(2, m["host_path"]) + boolean(3, m.get("readonly")) \
        + boolean(4, m.get("selinux_relabel")) + integer(5, propagation[m.get("propagation", "PROPAGATION_PRIVATE")])


def linux_container_resources(r):
    # LinuxContainerResources: cpu_period = 1, cpu_quota = 2, cpu_shares = 3, memory_limit_in_bytes = 4,
    # oom_score_adj = 5, cpuset_cpus = 6, cpuset_mems = 7
    return integer(1, r.get("cpu_period", 0)) + integer(2, r.get("cpu_quota", 0)) + integer(3, r.get("cpu_shares", 0)) \
        + integer(4, r.get("memory_limit_in_bytes", 0)) + integer(5, r.get("oom_score_adj", 0)) \
        + string(6, r.get("cpuset_cpus", "")) + string(7, r.get("cpuset_mems", ""))


def capability(c):
    # Capability: add_capabilities = 1, drop_capabilities = 2, add_ambient_capabilities = 3
    return strings(1, c.get("add_capabilities")) + strings(2, c.get("drop_capabilities")) \
        + strings(3, c.get("add_ambient_capabilities"))


def linux_container_security_context(s):
    # LinuxContainerSecurityContext: capabilities = 1, privileged = 2, namespace_options = 3, run_as_user = 5,
    # run_as_username = 6, readonly_rootfs = 7, no_new_privs = 11, masked_paths = 13, readonly_paths = 14,
    # seccomp = 15, apparmor = 16
    return message(1, optional(capability, s.get("capabilities"))) + boolean(2, s.get("privileged")) \
        + message(3, optional(namespace_option, s.get("namespace_options"))) \
        + message(5, int64_value(s.get("run_as_user"))) + string(6, s.get("run_as_username", "")) \
        + boolean(7, s.get("readonly_rootfs")) + boolean(11, s.get("no_new_privs")) \
        + strings(13, s.get("masked_paths")) + strings(14, s.get("readonly_paths")) \
        + message(15, optional(security_profile, s.get("seccomp"))) \
        + message(16, optional(security_profile, s.get("apparmor")))


def linux_container_config(linux):
    # LinuxContainerConfig: resources = 1, security_context = 2
    return message(1, optional(linux_container_resources, linux.get("resources"))) \
        + message(2, optional(linux_container_security_context, linux.get("security_context")))


def container_config(c):
    # ContainerConfig: metadata = 1 (ContainerMetadata: name = 1, attempt = 2), image = 2, command = 3,
    # args = 4, working_dir = 5, envs = 6, mounts = 7, labels = 9, annotations = 10, log_path = 11,
    # stdin = 12, stdin_once = 13, tty = 14, linux = 15
    metadata = c.get("metadata", {})
    return message(1, string(1, metadata.get("name", "")) + integer(2, metadata.get("attempt", 0))) \
        + message(2, image_spec(c.get("image", {}))) + strings(3, c.get("command")) + strings(4, c.get("args")) \
        + string(5, c.get("working_dir", "")) \
        + b"".join(delimited(6, key_value(e["key"], e["value"])) for e in c.get("envs", [])) \
        + b"".join(delimited(7, mount(m)) for m in c.get("mounts", [])) \
        + string_map(9, c.get("labels")) + string_map(10, c.get("annotations")) + string(11, c.get("log_path", "")) \
        + boolean(12, c.get("stdin")) + boolean(13, c.get("stdin_once")) + boolean(14, c.get("tty")) \
        + message(15, optional(linux_container_config, c.get("linux")))


def create_container_request(a):
    # CreateContainerRequest: pod_sandbox_id = 1, config = 2, sandbox_config = 3
    return string(1, a["pod_sandbox_id"]) + message(2, container_config(a["config"])) \
        + message(3, pod_sandbox_config(a["sandbox_config"]))


def container_id_request(a):
    # StartContainerRequest, RemoveContainerRequest: container_id = 1
    return string(1, a["container_id"])


def container_status_request(a):
    # ContainerStatusRequest: container_id = 1, verbose = 2
    return string(1, a["container_id"]) + boolean(2, a.get("verbose"))


def stop_container_request(a):
    # StopContainerRequest: container_id = 1, timeout = 2
    return string(1, a["container_id"]) + integer(2, a.get("timeout", 0))


def exec_sync_request(a):
    # ExecSyncRequest: container_id = 1, cmd = 2, timeout = 3
    return string(1, a["container_id"]) + strings(2, a["cmd"]) + integer(3, a.get("timeout", 0))


def port_forward_request(a):
    # PortForwardRequest: pod_sandbox_id = 1, port = 2 (repeated int32; unpacked, which parsers also take)
    return string(1, a["pod_sandbox_id"]) + b"".join(tag(2, VARINT) + varint(int(p)) for p in a.get("port", []))


def list_containers_request(a):
    # ListContainersRequest: filter = 1 (ContainerFilter: id = 1, pod_sandbox_id = 3)
    return message(1, string(1, a.get("id", "")) + string(3, a.get("pod_sandbox_id", "")))


def list_pod_sandbox_request(a):
    # ListPodSandboxRequest: filter = 1 (PodSandboxFilter: id = 1)
    return message(1, string(1, a.get("id", "")))


def version_request(a):
    # VersionRequest: version = 1
    return string(1, a.get("version", "v1"))


def status_request(a):
    # StatusRequest: verbose = 1
    return boolean(1, a.get("verbose"))


def image_status_request(a):
    # ImageStatusRequest: image = 1, verbose = 2
    return message(1, image_spec({"image": a["image"]})) + boolean(2, a.get("verbose"))


def optional(encode, value):
    return None if value is None else encode(value)


# --- responses ---------------------------------------------------------------------------------


def empty_response(f):
    return {}


def version_response(f):
    # VersionResponse: version = 1, runtime_name = 2, runtime_version = 3, runtime_api_version = 4
    return {"version": get_string(f, 1), "runtime_name": get_string(f, 2), "runtime_version": get_string(f, 3),
            "runtime_api_version": get_string(f, 4)}


def status_response(f):
    # StatusResponse: status = 1 (RuntimeStatus: conditions = 1), info = 2
    # RuntimeCondition: type = 1, status = 2, reason = 3, message = 4
    status = get_message(f, 1) or {}
    return {"conditions": [{"type": get_string(c, 1), "status": bool(get_int(c, 2)), "reason": get_string(c, 3),
                            "message": get_string(c, 4)} for c in get_messages(status, 1)],
            "info": get_map(f, 2)}


def image_status_response(f):
    # ImageStatusResponse: image = 1 (Image: id = 1, repo_tags = 2, repo_digests = 3, size = 4), info = 2
    image = get_message(f, 1)
    if image is None:
        return {"image": None}
    return {"image": {"id": get_string(image, 1), "repo_tags": get_strings(image, 2),
                      "repo_digests": get_strings(image, 3), "size": get_int(image, 4)}}


def run_pod_sandbox_response(f):
    # RunPodSandboxResponse: pod_sandbox_id = 1
    return {"pod_sandbox_id": get_string(f, 1)}


def pod_sandbox_status_response(f):
    # PodSandboxStatusResponse: status = 1, info = 2
    # PodSandboxStatus: id = 1, metadata = 2, state = 3, created_at = 4, network = 5, labels = 7,
    # annotations = 8, runtime_handler = 9
    # PodSandboxNetworkStatus: ip = 1, additional_ips = 2 (PodIP: ip = 1)
    s = get_message(f, 1) or {}
    network = get_message(s, 5) or {}
    metadata = get_message(s, 2) or {}
    return {"status": {"id": get_string(s, 1),
                       "metadata": {"name": get_string(metadata, 1), "uid": get_string(metadata, 2),
                                    "namespace": get_string(metadata, 3), "attempt": get_int(metadata, 4)},
                       "state": SANDBOX_STATES.get(get_int(s, 3), get_int(s, 3)), "created_at": get_int(s, 4),
                       "network": {"ip": get_string(network, 1),
                                   "additional_ips": [get_string(p, 1) for p in get_messages(network, 2)]},
                       "labels": get_map(s, 7), "annotations": get_map(s, 8), "runtime_handler": get_string(s, 9)},
            "info": get_map(f, 2)}


def list_pod_sandbox_response(f):
    # ListPodSandboxResponse: items = 1 (PodSandbox: id = 1, metadata = 2, state = 3, runtime_handler = 7)
    return {"items": [{"id": get_string(p, 1), "name": get_string(get_message(p, 2) or {}, 1),
                       "state": SANDBOX_STATES.get(get_int(p, 3), get_int(p, 3)), "runtime_handler": get_string(p, 7)}
                      for p in get_messages(f, 1)]}


def create_container_response(f):
    # CreateContainerResponse: container_id = 1
    return {"container_id": get_string(f, 1)}


def container_status_response(f):
    # ContainerStatusResponse: status = 1, info = 2
    # ContainerStatus: id = 1, metadata = 2, state = 3, created_at = 4, started_at = 5, finished_at = 6,
    # exit_code = 7, image = 8, image_ref = 9, reason = 10, message = 11, log_path = 15
    s = get_message(f, 1) or {}
    metadata = get_message(s, 2) or {}
    return {"status": {"id": get_string(s, 1), "name": get_string(metadata, 1),
                       "state": CONTAINER_STATES.get(get_int(s, 3), get_int(s, 3)),
                       "created_at": get_int(s, 4), "started_at": get_int(s, 5), "finished_at": get_int(s, 6),
                       "exit_code": get_int(s, 7), "image": get_string(get_message(s, 8) or {}, 1),
                       "image_ref": get_string(s, 9), "reason": get_string(s, 10), "message": get_string(s, 11),
                       "log_path": get_string(s, 15)},
            "info": get_map(f, 2)}


def exec_sync_response(f):
    # ExecSyncResponse: stdout = 1, stderr = 2, exit_code = 3
    return {"stdout": get_bytes(f, 1).decode(errors="replace"), "stderr": get_bytes(f, 2).decode(errors="replace"),
            "exit_code": get_int(f, 3)}


def port_forward_response(f):
    # PortForwardResponse: url = 1
    return {"url": get_string(f, 1)}


def list_containers_response(f):
    # ListContainersResponse: containers = 1
    # Container: id = 1, pod_sandbox_id = 2, metadata = 3, image_ref = 5, state = 6, created_at = 7
    return {"containers": [{"id": get_string(c, 1), "pod_sandbox_id": get_string(c, 2),
                            "name": get_string(get_message(c, 3) or {}, 1), "image_ref": get_string(c, 5),
                            "state": CONTAINER_STATES.get(get_int(c, 6), get_int(c, 6))}
                           for c in get_messages(f, 1)]}


# verb: (method, request encoder, response decoder)
VERBS = {
    "version": (RUNTIME + "Version", version_request, version_response),
    "status": (RUNTIME + "Status", status_request, status_response),
    "image-status": (IMAGES + "ImageStatus", image_status_request, image_status_response),
    "run-pod-sandbox": (RUNTIME + "RunPodSandbox", run_pod_sandbox_request, run_pod_sandbox_response),
    "pod-sandbox-status": (RUNTIME + "PodSandboxStatus", pod_sandbox_status_request, pod_sandbox_status_response),
    "stop-pod-sandbox": (RUNTIME + "StopPodSandbox", pod_sandbox_id_request, empty_response),
    "remove-pod-sandbox": (RUNTIME + "RemovePodSandbox", pod_sandbox_id_request, empty_response),
    "list-pod-sandbox": (RUNTIME + "ListPodSandbox", list_pod_sandbox_request, list_pod_sandbox_response),
    "create-container": (RUNTIME + "CreateContainer", create_container_request, create_container_response),
    "start-container": (RUNTIME + "StartContainer", container_id_request, empty_response),
    "container-status": (RUNTIME + "ContainerStatus", container_status_request, container_status_response),
    "exec-sync": (RUNTIME + "ExecSync", exec_sync_request, exec_sync_response),
    "stop-container": (RUNTIME + "StopContainer", stop_container_request, empty_response),
    "remove-container": (RUNTIME + "RemoveContainer", container_id_request, empty_response),
    "list-containers": (RUNTIME + "ListContainers", list_containers_request, list_containers_response),
    "port-forward": (RUNTIME + "PortForward", port_forward_request, port_forward_response),
}


def call(socket, verb, args, timeout):
    method, encode, decode = VERBS[verb]
    with grpc.insecure_channel("unix://" + socket) as channel:
        stub = channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        return decode(parse(stub(encode(args), timeout=timeout)))


def main():
    parser = argparse.ArgumentParser(description="A CRI client (runtime.v1) for the tests.")
    parser.add_argument("--socket", required=True, help="the runtime's gRPC socket (a path)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds for the call (default 120)")
    parser.add_argument("verb", choices=sorted(VERBS))
    parser.add_argument("args", nargs="?", default="{}", help="the request as JSON")
    opts = parser.parse_args()
    try:
        result = call(opts.socket, opts.verb, json.loads(opts.args), opts.timeout)
    except grpc.RpcError as e:
        json.dump({"code": e.code().name, "details": e.details()}, sys.stderr)
        sys.stderr.write("\n")
        return 2
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
