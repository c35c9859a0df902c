import Foundation

/// Reads one container's consumption from its cgroup, as the kernel accounts
/// it: cgroup v1 (cpuacct and memory hierarchies) or the unified v2 tree.
public struct ContainerCgroup {
    let cpuUsageFile: String
    let memoryUsageFile: String
    let cpuIsMicroseconds: Bool

    public enum Failure: Error, CustomStringConvertible {
        case noCgroup(pid: Int32, detail: String)
        public var description: String {
            switch self {
            case .noCgroup(let pid, let detail): return "cgroup of pid \(pid) not found: \(detail)"
            }
        }
    }

    /// The cgroup of a container's first process, from /proc/<pid>/cgroup.
    public init(pid: Int32, root: String = "/sys/fs/cgroup") throws {
        let text = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
        var v1: [String: String] = [:]
        var unified: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty {
                unified = String(parts[2])
            } else {
                for controller in parts[1].split(separator: ",") { v1[String(controller)] = String(parts[2]) }
            }
        }
        if let cpu = v1["cpuacct"], let memory = v1["memory"] {
            let cpuDir = FileManager.default.fileExists(atPath: "\(root)/cpuacct") ? "\(root)/cpuacct" : "\(root)/cpu,cpuacct"
            cpuUsageFile = "\(cpuDir)\(cpu)/cpuacct.usage"
            memoryUsageFile = "\(root)/memory\(memory)/memory.usage_in_bytes"
            cpuIsMicroseconds = false
        } else if let path = unified, FileManager.default.fileExists(atPath: "\(root)/cgroup.controllers") {
            cpuUsageFile = "\(root)\(path)/cpu.stat"
            memoryUsageFile = "\(root)\(path)/memory.current"
            cpuIsMicroseconds = true
        } else {
            throw Failure.noCgroup(pid: pid, detail: text)
        }
    }

    /// CPU time used so far, in nanoseconds.
    public func cpuNanoseconds() throws -> UInt64 {
        let text = try String(contentsOfFile: cpuUsageFile, encoding: .utf8)
        if cpuIsMicroseconds {
            for line in text.split(separator: "\n") where line.hasPrefix("usage_usec ") {
                return (UInt64(line.dropFirst("usage_usec ".count)) ?? 0) * 1000
            }
            return 0
        }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Memory charged to the cgroup, in bytes.
    public func memoryBytes() throws -> UInt64 {
        UInt64(try String(contentsOfFile: memoryUsageFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
