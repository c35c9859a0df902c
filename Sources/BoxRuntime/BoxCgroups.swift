import Foundation

/// The cgroups that limit boxes: `<hierarchy>/corral-boxes/<id>` in each v1
/// hierarchy Corral uses (memory, cpu, cpuacct, pids), or one directory on
/// the unified v2 hierarchy. The probe finds a box's processes by that path,
/// as it finds Docker's under `docker/<id>`.
public struct BoxCgroups: Sendable, Equatable {
    public enum Version: String, Sendable { case v1, v2 }

    /// The parent of every box's cgroup, directly under each hierarchy's root.
    public static let parent = "corral-boxes"

    public let root: String
    public let version: Version

    /// v2 when `root` is the unified hierarchy itself (it has
    /// cgroup.controllers), v1 otherwise (a v2 mount at root/unified beside
    /// v1 controllers is the hybrid layout: boxes use the v1 controllers).
    public init(root: String = "/sys/fs/cgroup") {
        self.root = root
        version = BoxFiles.exists(root + "/cgroup.controllers") ? .v2 : .v1
    }

    /// The box's cgroup relative to each hierarchy's root: "/corral-boxes/<id>".
    public static func path(of id: String) -> String { "/\(parent)/\(id)" }

    /// The v1 hierarchies Corral uses, each resolved to its real directory
    /// with the controllers it serves (cpu and cpuacct are often one, cpu,cpuacct).
    func hierarchies() -> [(controllers: [String], directory: String)] {
        guard version == .v1 else { return [(["memory", "cpu", "cpuacct", "pids"], root)] }
        var found: [(controllers: [String], directory: String)] = []
        for controller in ["memory", "cpu", "cpuacct", "pids"] {
            let candidate = root + "/" + controller
            guard BoxFiles.exists(candidate) else { continue }
            let real =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: candidate)).map {
                    $0.hasPrefix("/") ? $0 : root + "/" + $0
                } ?? candidate
            if let index = found.firstIndex(where: { $0.directory == real }) {
                found[index].controllers.append(controller)
            } else {
                found.append(([controller], real))
            }
        }
        return found
    }

    /// Every directory that is this box's cgroup: the helper joins each.
    public func directories(of id: String) -> [String] { hierarchies().map { $0.directory + BoxCgroups.path(of: id) } }

    private func directory(of id: String, controller: String) -> String? {
        hierarchies().first { $0.controllers.contains(controller) }.map { $0.directory + BoxCgroups.path(of: id) }
    }

    /// Makes the box's cgroups and writes its limits (a left-over directory
    /// from a crash is reused after its limits are written again).
    public func create(_ id: String, limits: BoxLimits) throws(BoxError) {
        if version == .v2 {
            // Controllers reach a cgroup only when every ancestor delegates them.
            try delegate(at: root)
            try makeDirectory(root + "/" + BoxCgroups.parent)
            try delegate(at: root + "/" + BoxCgroups.parent)
        }
        for (_, directory) in hierarchies() {
            try makeDirectory(directory + "/" + BoxCgroups.parent)
            try makeDirectory(directory + BoxCgroups.path(of: id))
        }
        try apply(limits, to: id)
    }

    private func delegate(at directory: String) throws(BoxError) {
        let available = Set((BoxFiles.text(directory + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        let enabled = Set(
            (BoxFiles.text(directory + "/cgroup.subtree_control") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        for controller in ["memory", "cpu", "pids"] where available.contains(controller) && !enabled.contains(controller) {
            try write("+" + controller, to: directory + "/cgroup.subtree_control")
        }
    }

    private func makeDirectory(_ path: String) throws(BoxError) {
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw .cgroup(path: path, reason: BoxFiles.errnoReason()) }
    }

    func apply(_ limits: BoxLimits, to id: String) throws(BoxError) {
        let period = 100_000
        switch version {
        case .v2:
            let directory = root + BoxCgroups.path(of: id)
            try write(limits.memory.map(String.init) ?? "max", to: directory + "/memory.max", required: limits.memory != nil)
            if let memory = limits.memory {
                // memory.swap.max is swap alone; no swap beyond memory unless asked.
                let swap = max(0, (limits.memorySwap ?? memory) - memory)
                try write(String(swap), to: directory + "/memory.swap.max", required: false)
            }
            let quota = limits.cpus.map { String(Int(($0 * Double(period)).rounded())) } ?? "max"
            try write("\(quota) \(period)", to: directory + "/cpu.max", required: limits.cpus != nil)
            try write(limits.pids.map(String.init) ?? "max", to: directory + "/pids.max", required: limits.pids != nil)
        case .v1:
            if let memoryDirectory = directory(of: id, controller: "memory") {
                let memory = limits.memory.map(String.init) ?? "-1"
                let swap = limits.memory.map { String(limits.memorySwap ?? $0) } ?? "-1"
                // memsw may not go below memory, nor memory above memsw: order them by direction.
                let memsw = memoryDirectory + "/memory.memsw.limit_in_bytes"
                if limits.memory == nil {
                    try write(swap, to: memsw, required: false)
                    try write(memory, to: memoryDirectory + "/memory.limit_in_bytes")
                } else {
                    try write(memory, to: memoryDirectory + "/memory.limit_in_bytes")
                    try write(swap, to: memsw, required: false)
                }
            } else if limits.memory != nil {
                throw .cgroup(path: root + "/memory", reason: "this host has no memory controller; cannot limit memory")
            }
            if let cpuDirectory = directory(of: id, controller: "cpu") {
                try write(String(period), to: cpuDirectory + "/cpu.cfs_period_us", required: limits.cpus != nil)
                let quota = limits.cpus.map { String(Int(($0 * Double(period)).rounded())) } ?? "-1"
                try write(quota, to: cpuDirectory + "/cpu.cfs_quota_us", required: limits.cpus != nil)
            } else if limits.cpus != nil {
                throw .cgroup(path: root + "/cpu", reason: "this host has no cpu controller; cannot limit CPU")
            }
            if let pidsDirectory = directory(of: id, controller: "pids") {
                try write(limits.pids.map(String.init) ?? "max", to: pidsDirectory + "/pids.max", required: limits.pids != nil)
            } else if limits.pids != nil {
                throw .cgroup(path: root + "/pids", reason: "this host has no pids controller; cannot limit processes")
            }
        }
    }

    private func write(_ value: String, to path: String, required: Bool = true) throws(BoxError) {
        // O_TRUNC: cgroup files ignore it; a plain file (a test's tree) needs it.
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else {
            if !required, errno == ENOENT { return }
            throw .cgroup(path: path, reason: BoxFiles.errnoReason())
        }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .cgroup(path: path, reason: "cannot write '\(value)': \(BoxFiles.errnoReason())") }
    }

    /// Every process in the box's cgroups.
    public func processes(of id: String) -> [Int32] {
        var pids = Set<Int32>()
        for directory in directories(of: id) {
            for line in (BoxFiles.text(directory + "/cgroup.procs") ?? "").split(separator: "\n") {
                if let pid = Int32(line) { pids.insert(pid) }
            }
        }
        return pids.sorted()
    }

    /// True when any of the box's cgroup directories is there.
    public func exists(_ id: String) -> Bool { directories(of: id).contains { BoxFiles.exists($0) } }

    /// SIGKILL to every process in the box's cgroups: how a box whose state
    /// was never written (a start killed midway) is found and ended.
    public func killAll(_ id: String) {
        for pid in processes(of: id) { kill(pid, SIGKILL) }
    }

    /// Removes the box's cgroups once they hold no process (waits for a
    /// killed box's processes to be gone, up to `timeout`).
    public func remove(_ id: String, timeout: Duration = .seconds(10)) async throws(BoxError) {
        let deadline = ContinuousClock.now + timeout
        for directory in directories(of: id) where BoxFiles.exists(directory) {
            while rmdir(directory) != 0 {
                if errno == ENOENT { break }
                guard errno == EBUSY, ContinuousClock.now < deadline else {
                    throw .cgroup(path: directory, reason: "cannot remove it: \(BoxFiles.errnoReason())")
                }
                killAll(id)
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    /// How many times the kernel's OOM killer killed a process of this box
    /// (v1 memory.oom_control, v2 memory.events: their oom_kill line).
    public func oomKills(of id: String) -> Int {
        let file = version == .v2 ? "/memory.events" : "/memory.oom_control"
        guard let directory = directory(of: id, controller: "memory"), let text = BoxFiles.text(directory + file) else { return 0 }
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == "oom_kill", let count = Int(words[1]) { return count }
        }
        return 0
    }

    /// CPU time the box has used (nanoseconds).
    public func cpuUsage(of id: String) -> UInt64? {
        switch version {
        case .v1:
            guard let directory = directory(of: id, controller: "cpuacct") else { return nil }
            return BoxFiles.text(directory + "/cpuacct.usage").flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        case .v2:
            for line in (BoxFiles.text(root + BoxCgroups.path(of: id) + "/cpu.stat") ?? "").split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.count == 2, words[0] == "usage_usec", let micros = UInt64(words[1]) { return micros * 1000 }
            }
            return nil
        }
    }
}
