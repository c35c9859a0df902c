/// Finding a Docker container from a cgroup path: the container is the cgroup
/// its tasks are in, never a process name. Works on bytes: the twin runs this
/// for every process on the host, every cycle.
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
        let bytes = Array(path.utf8)
        return container(inPath: bytes[...])
    }

    /// The container a process is in, from its /proc/<pid>/cgroup text: the
    /// memory hierarchy's line first, then cpuacct's, then the unified one.
    public static func container(inProcCgroup text: String) -> (id: String, cgroup: String)? {
        container(inProcCgroup: Array(text.utf8))
    }

    static func container(inProcCgroup bytes: [UInt8]) -> (id: String, cgroup: String)? {
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
            if let found = container(inPath: line[(second + 1)...]) { best = (rank, found) }
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

    static func container(inPath path: ArraySlice<UInt8>) -> (id: String, cgroup: String)? {
        var previousWasDocker = false
        var index = path.startIndex
        while index < path.endIndex {
            // One component: [index, end).
            var end = index
            while end < path.endIndex, path[end] != slash { end += 1 }
            let component = path[index..<end]
            if previousWasDocker, component.count == 64, isHex(component) {
                return (String(decoding: component, as: UTF8.self), cgroupPath(path[path.startIndex..<end]))
            }
            if component.count == scopeLength, component.starts(with: dockerDash), component.suffix(scopeSuffix.count).elementsEqual(scopeSuffix) {
                let id = component.dropFirst(dockerDash.count).dropLast(scopeSuffix.count)
                if isHex(id) { return (String(decoding: id, as: UTF8.self), cgroupPath(path[path.startIndex..<end])) }
            }
            previousWasDocker = component.elementsEqual(docker)
            index = end < path.endIndex ? end + 1 : end
        }
        return nil
    }

    /// A path as the document writes it: one leading slash, however the input began.
    private static func cgroupPath(_ bytes: ArraySlice<UInt8>) -> String {
        let trimmed = bytes.drop(while: { $0 == slash })
        return "/" + String(decoding: trimmed, as: UTF8.self)
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
    private static let docker = Array("docker".utf8)
    private static let dockerDash = Array("docker-".utf8)
    private static let scopeSuffix = Array(".scope".utf8)
    private static let scopeLength = "docker-".utf8.count + 64 + ".scope".utf8.count
}
