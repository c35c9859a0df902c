/// Finding a Docker container from a cgroup path: the container is the cgroup
/// its tasks are in, never a process name. Works on bytes: the twin runs this
/// for every process on the host, every cycle.
public enum ContainerCgroupPath {
    /// Docker's default cgroup parent for the cgroupfs driver.
    public static let defaultParent = "docker"

    /// The container id when `path` is a Docker container's cgroup or lies
    /// below one, anchored where Docker puts containers: `/<parent>/<64 hex>`
    /// directly under the hierarchy's root (cgroupfs driver; the parent is the
    /// daemon's cgroup parent, `docker` by default), or
    /// `/system.slice/docker-<64 hex>.scope` (systemd driver). The same names
    /// anywhere else (a user's own scope or cgroup carrying a container's id)
    /// are not a container: they would merge foreign processes into its figures.
    /// Matches the kernel module's rule.
    public static func containerID<S: StringProtocol>(in path: S, parent: String = defaultParent) -> String? {
        container(in: path, parent: parent)?.id
    }

    /// The container's id and its own cgroup path (without anything below it).
    public static func container<S: StringProtocol>(in path: S, parent: String = defaultParent) -> (id: String, cgroup: String)? {
        let bytes = Array(path.utf8)
        return container(inPath: bytes[...], parent: components(parent))
    }

    /// The container a process is in, from its /proc/<pid>/cgroup text: the
    /// memory hierarchy's line first, then cpuacct's, then the unified one.
    public static func container(inProcCgroup text: String, parent: String = defaultParent) -> (id: String, cgroup: String)? {
        container(inProcCgroup: Array(text.utf8), parent: components(parent))
    }

    /// A cgroup parent as path components: `a/b` and `/a/b/` are `[a, b]`.
    static func components(_ parent: String) -> [[UInt8]] {
        Array(parent.utf8).split(separator: slash).map(Array.init)
    }

    static func container(inProcCgroup bytes: [UInt8], parent: [[UInt8]]) -> (id: String, cgroup: String)? {
        var best: (rank: Int, found: (id: String, cgroup: String))?
        for line in bytes.split(separator: newline) {
            guard let first = line.firstIndex(of: colon),
                let second = line[(first + 1)...].firstIndex(of: colon)
            else { continue }
            let controllers = line[(first + 1)..<second]
            let rank: Int
            if controllers.split(separator: comma).contains(where: { $0.elementsEqual(memory) }) {
                rank = 0
            } else if controllers.split(separator: comma).contains(where: { $0.elementsEqual(cpuacct) }) {
                rank = 1
            } else if controllers.isEmpty, line[line.startIndex..<first].elementsEqual([UInt8(ascii: "0")]) {
                rank = 2
            } else {
                continue
            }
            if let best, best.rank <= rank { continue }
            if let found = container(inPath: line[(second + 1)...], parent: parent) { best = (rank, found) }
        }
        return best?.found
    }

    /// True when every line of a /proc/<pid>/cgroup text names the root cgroup.
    static func onlyRoot(_ bytes: [UInt8]) -> Bool {
        bytes.split(separator: newline).allSatisfy { line in
            guard let last = line.lastIndex(of: colon) else { return false }
            return line[(last + 1)...].elementsEqual([slash])
        }
    }

    static func container(inPath path: ArraySlice<UInt8>, parent: [[UInt8]]) -> (id: String, cgroup: String)? {
        // The path's components, up to the one that could be the container.
        var parts: [ArraySlice<UInt8>] = []
        var index = path.startIndex
        while index < path.endIndex, parts.count <= max(parent.count, 1) {
            var end = index
            while end < path.endIndex, path[end] != slash { end += 1 }
            if end > index { parts.append(path[index..<end]) }
            index = end + 1
        }
        // cgroupfs: /<parent...>/<64 hex>
        if !parent.isEmpty, parts.count > parent.count, zip(parent, parts).allSatisfy({ $0.elementsEqual($1) }) {
            let id = parts[parent.count]
            if id.count == 64, isHex(id) {
                return (
                    String(decoding: id, as: UTF8.self),
                    "/" + (parent + [Array(id)]).map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
                )
            }
        }
        // systemd: /system.slice/docker-<64 hex>.scope
        if parts.count >= 2, parts[0].elementsEqual(systemSlice) {
            let scope = parts[1]
            if scope.count == scopeLength, scope.starts(with: dockerDash), scope.suffix(scopeSuffix.count).elementsEqual(scopeSuffix) {
                let id = scope.dropFirst(dockerDash.count).dropLast(scopeSuffix.count)
                if isHex(id) { return (String(decoding: id, as: UTF8.self), "/system.slice/" + String(decoding: scope, as: UTF8.self)) }
            }
        }
        return nil
    }

    private static func isHex(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static let newline = UInt8(ascii: "\n")
    private static let colon = UInt8(ascii: ":")
    private static let comma = UInt8(ascii: ",")
    private static let slash = UInt8(ascii: "/")
    private static let memory = Array("memory".utf8)
    private static let cpuacct = Array("cpuacct".utf8)
    private static let systemSlice = Array("system.slice".utf8)
    private static let dockerDash = Array("docker-".utf8)
    private static let scopeSuffix = Array(".scope".utf8)
    private static let scopeLength = "docker-".utf8.count + 64 + ".scope".utf8.count
}
