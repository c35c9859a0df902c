/// Finding a Docker container from a cgroup path: the container is the cgroup
/// its tasks are in, never a process name.
public enum ContainerCgroupPath {
    /// The container id when `path` is a Docker container's cgroup or lies
    /// below one: a component pair `docker/<64 hex>` (cgroupfs driver) or a
    /// component `docker-<64 hex>.scope` (systemd driver). With containers
    /// nested in containers the outermost wins, as in the kernel module.
    public static func containerID<S: StringProtocol>(in path: S) -> String? {
        container(in: path)?.id
    }

    /// The container's id and its own cgroup path (without anything below it).
    public static func container<S: StringProtocol>(in path: S) -> (id: String, cgroup: String)? {
        let components = path.split(separator: "/")
        for (i, component) in components.enumerated() {
            if component == "docker", i + 1 < components.count {
                let candidate = components[i + 1]
                if candidate.utf8.count == 64, isHex(candidate) {
                    return (String(candidate), "/" + components[...(i + 1)].joined(separator: "/"))
                }
            }
            if component.hasPrefix("docker-"), component.hasSuffix(".scope") {
                let id = component.dropFirst("docker-".count).dropLast(".scope".count)
                if id.utf8.count == 64, isHex(id) {
                    return (String(id), "/" + components[...i].joined(separator: "/"))
                }
            }
        }
        return nil
    }

    /// The container a process is in, from its /proc/<pid>/cgroup text: the
    /// memory hierarchy's line first, then cpuacct's, then the unified one.
    public static func container(inProcCgroup text: String) -> (id: String, cgroup: String)? {
        var byPriority: [Int: (String, String)] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let found = container(in: parts[2]) else { continue }
            let controllers = parts[1].split(separator: ",")
            let rank: Int
            if controllers.contains("memory") {
                rank = 0
            } else if controllers.contains("cpuacct") {
                rank = 1
            } else if parts[0] == "0" && parts[1].isEmpty {
                rank = 2
            } else {
                continue
            }
            if byPriority[rank] == nil { byPriority[rank] = (found.id, found.cgroup) }
        }
        guard let best = byPriority.keys.min(), let found = byPriority[best] else { return nil }
        return (found.0, found.1)
    }

    private static func isHex<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
