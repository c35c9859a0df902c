import CCgroup
import CorralCore

#if canImport(Glibc)
    import Glibc
#endif

public enum CgroupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cgroup does not exist (its container is gone).
    case notFound(cgroup: String)
    /// A statistics file could not be read or made no sense.
    case unreadable(cgroup: String, file: String, reason: String)
    /// libcgroup could not start (no cgroup v1 hierarchies mounted?).
    case libcgroup(reason: String)

    public var description: String {
        switch self {
        case .notFound(let cgroup): return "cgroup \(cgroup) does not exist"
        case .unreadable(let cgroup, let file, let reason): return "cannot read \(file) of cgroup \(cgroup): \(reason)"
        case .libcgroup(let reason): return "libcgroup: \(reason)"
        }
    }
}

/// Per-container figures from the cgroup tree: cgroup v1 (memory, cpu,
/// cpuacct and pids hierarchies) through libcgroup, cgroup v2 by reading its
/// files directly (libcgroup 2.0 handles v2 poorly).
public struct CgroupStats: Sendable {
    public enum Layout: String, Sendable {
        case v1
        case v2
    }

    public let root: String
    public let layout: Layout
    /// The statistics files, kept open between reads (nil: each read opens
    /// and closes its file).
    public let openFiles: OpenProcFiles?

    /// Detects the layout: a unified tree at `root` has cgroup.controllers.
    public init(root: String = "/sys/fs/cgroup", openFiles: OpenProcFiles? = nil) {
        self.root = root
        self.layout = ProcFile.exists("\(root)/cgroup.controllers") ? .v2 : .v1
        self.openFiles = openFiles
    }

    /// The CPU time the cgroup's tasks have used, in ns: one file
    /// (cpuacct.usage on v1, cpu.stat's usage_usec on v2).
    public func cpuUsageNs(cgroup path: String) throws(CgroupError) -> UInt64 {
        switch layout {
        case .v1: return try V1(path: path, files: openFiles).number("cpuacct", "cpuacct.usage")
        case .v2: return try (V2(directory: root + path, path: path, files: openFiles).keyed("cpu.stat")["usage_usec"] ?? 0) * 1000
        }
    }

    /// The figures of the cgroup at `path` (relative to the hierarchy's root,
    /// as the sysinfo document gives it).
    public func figures(cgroup path: String) throws(CgroupError) -> CgroupUsage {
        switch layout {
        case .v1: return try V1(path: path, files: openFiles).figures()
        case .v2: return try V2(directory: root + path, path: path, files: openFiles).figures()
        }
    }
}

/// libcgroup must be initialised once per process before any read.
private let libcgroupStatus: Int32 = cgroup_init()

/// Where libcgroup found each v1 controller's hierarchy mounted, asked once:
/// with kept files, a statistics file is read there directly.
private let v1MountPoints: [String: String] = {
    guard libcgroupStatus == 0 else { return [:] }
    var mounts: [String: String] = [:]
    for controller in ["memory", "cpuacct", "cpu", "pids"] {
        var point: UnsafeMutablePointer<CChar>?
        if cgroup_get_subsys_mount_point(controller, &point) == 0, let point {
            mounts[controller] = String(cString: point)
            free(point)
        }
    }
    return mounts
}()

private struct V1 {
    let path: String
    let files: OpenProcFiles?

    func figures() throws(CgroupError) -> CgroupUsage {
        guard libcgroupStatus == 0 else { throw .libcgroup(reason: Self.message(libcgroupStatus)) }
        let usage = try number("memory", "memory.usage_in_bytes")
        let limit = try number("memory", "memory.limit_in_bytes")
        let cpu = try number("cpuacct", "cpuacct.usage")
        let stat = try keyed("cpu", "cpu.stat")
        let pids = (try? number("pids", "pids.current")) ?? 0
        // v1 reports "no limit" as a page-rounded LONG_MAX.
        return CgroupUsage(
            memoryUsageBytes: usage, memoryLimitBytes: limit >= 1 << 62 ? nil : limit, cpuUsageNs: cpu,
            throttledPeriods: stat["nr_throttled"] ?? 0, throttledNs: stat["throttled_time"] ?? 0, pids: pids)
    }

    /// Every line of one file of one controller: from a kept file where
    /// the controller's hierarchy is known, else through libcgroup.
    func lines(_ controller: String, _ file: String) throws(CgroupError) -> [String] {
        if let bytes = try kept(controller, file) { return Self.lines(of: bytes) }
        var handle: UnsafeMutableRawPointer?
        var buffer = [CChar](repeating: 0, count: 4096)
        var name = Array(file.utf8CString)
        var rc = name.withUnsafeMutableBufferPointer { namePointer in
            cgroup_read_value_begin(controller, path, namePointer.baseAddress, &handle, &buffer, Int32(buffer.count))
        }
        defer { if handle != nil { cgroup_read_value_end(&handle) } }
        var lines: [String] = []
        while rc == 0 {
            lines.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            rc = cgroup_read_value_next(&handle, &buffer, Int32(buffer.count))
        }
        guard rc == Int32(ECGEOF) else {
            if rc == Int32(ECGOTHER), cgroup_get_last_errno() == ENOENT { throw .notFound(cgroup: path) }
            if rc == Int32(ECGROUPNOTEXIST) { throw .notFound(cgroup: path) }
            throw .unreadable(cgroup: path, file: file, reason: Self.message(rc))
        }
        return lines
    }

    /// The file's bytes from a kept descriptor, or nil when files are not
    /// kept or the controller's hierarchy is unknown (libcgroup reads it).
    func kept(_ controller: String, _ file: String) throws(CgroupError) -> [UInt8]? {
        guard let files, let mount = v1MountPoints[controller] else { return nil }
        switch files.readAll("\(mount)\(path)/\(file)", limit: 64 << 10) {
        case .success(let bytes): return bytes
        case .failure(.missing): throw .notFound(cgroup: path)
        case .failure(let failure): throw .unreadable(cgroup: path, file: file, reason: "\(failure)")
        }
    }

    func number(_ controller: String, _ file: String) throws(CgroupError) -> UInt64 {
        // A kept file's one number is parsed from its bytes (cpuacct.usage
        // is read for every container, every cycle); anything else from the
        // same read as text.
        let text: String
        if let bytes = try kept(controller, file) {
            if let value = Self.decimal(bytes) { return value }
            text = Self.lines(of: bytes).first?.trimmed ?? ""
        } else {
            text = try lines(controller, file).first?.trimmed ?? ""
        }
        guard let value = UInt64(text) else { throw .unreadable(cgroup: path, file: file, reason: "not a number: \(text)") }
        return value
    }

    func keyed(_ controller: String, _ file: String) throws(CgroupError) -> [String: UInt64] {
        KeyedFile.parse(try lines(controller, file))
    }

    /// A kept file's text, a line each.
    static func lines(of bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A file holding one decimal number and a newline, or nil for anything else.
    static func decimal(_ bytes: [UInt8]) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in bytes {
            if byte >= 0x30, byte <= 0x39, digits < 19 {
                value = value * 10 + UInt64(byte - 0x30)
                digits += 1
            } else if byte == UInt8(ascii: "\n"), digits > 0 {
                break
            } else {
                return nil
            }
        }
        return digits > 0 ? value : nil
    }

    static func message(_ code: Int32) -> String {
        guard let text = cgroup_strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

private struct V2 {
    let directory: String
    let path: String
    let files: OpenProcFiles?

    func figures() throws(CgroupError) -> CgroupUsage {
        // With kept files a gone cgroup shows as a missing file (below).
        guard files != nil || ProcFile.exists(directory) else { throw .notFound(cgroup: path) }
        let cpu = try keyed("cpu.stat")
        let limitText = try text("memory.max")
        return CgroupUsage(
            memoryUsageBytes: try number("memory.current"), memoryLimitBytes: limitText == "max" ? nil : UInt64(limitText),
            cpuUsageNs: (cpu["usage_usec"] ?? 0) * 1000, throttledPeriods: cpu["nr_throttled"] ?? 0,
            throttledNs: (cpu["throttled_usec"] ?? 0) * 1000, pids: (try? number("pids.current")) ?? 0)
    }

    func text(_ file: String) throws(CgroupError) -> String {
        switch files?.readAll("\(directory)/\(file)", limit: 64 << 10) ?? ProcFile.readAll("\(directory)/\(file)", limit: 64 << 10) {
        case .success(let bytes): return String(decoding: bytes, as: UTF8.self).trimmed
        case .failure(.missing):
            throw ProcFile.exists(directory) ? .unreadable(cgroup: path, file: file, reason: "missing") : .notFound(cgroup: path)
        case .failure(let failure): throw .unreadable(cgroup: path, file: file, reason: "\(failure)")
        }
    }

    func number(_ file: String) throws(CgroupError) -> UInt64 {
        let value = try text(file)
        guard let number = UInt64(value) else { throw .unreadable(cgroup: path, file: file, reason: "not a number: \(value)") }
        return number
    }

    func keyed(_ file: String) throws(CgroupError) -> [String: UInt64] {
        KeyedFile.parse(try text(file).split(separator: "\n").map(String.init))
    }
}

/// `key value` lines (cpu.stat, memory.stat).
enum KeyedFile {
    static func parse(_ lines: [String]) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in lines {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1].trimmed) {
                values[String(parts[0])] = value
            }
        }
        return values
    }
}
