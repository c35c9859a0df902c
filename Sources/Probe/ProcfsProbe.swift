import CorralCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The kernel module's userspace twin: the same `corral.sysinfo/v1` document,
/// for hosts where the module is not loaded. Each container's processes are
/// listed by its cgroup's `cgroup.procs` (and those of the cgroups below it),
/// then read from /proc/<pid>/{stat,cmdline}; the host's memory from
/// /proc/meminfo. Without a cgroup tree (`cgroupRoot` nil, no hierarchy
/// found under it, or a `procRoot` of another pid namespace, as the host's
/// /proc mounted into a container) every process's /proc/<pid>/cgroup says
/// where it lives instead: the same document, at the price of one read per
/// host process (a container brings its shim, so 1,000 containers are 2,000
/// reads).
///
/// `procRoot` and `cgroupRoot` are configurable so a probe running in a
/// container can read the host's /proc and cgroup tree mounted elsewhere (as
/// node exporters do).
public struct ProcfsProbe: Sendable {
    /// How many bytes of argv the document keeps (as the module does).
    public static let cmdlineLimit = 256

    public let procRoot: String
    /// The daemon's cgroup parent (cgroupfs driver), as the module's `cgroup_parent`.
    public let cgroupParent: String
    /// The cgroup tree's root, or nil to find each process's container from
    /// its /proc/<pid>/cgroup (a /proc without its cgroup tree).
    public let cgroupRoot: String?
    /// The files read every document, kept open between documents (nil: each
    /// read opens and closes its file).
    public let openFiles: OpenProcFiles?
    /// Whether each process's argv is read into its `cmdline`, as the module
    /// does. A cycle ranks containers by their figures and never looks at
    /// argv, which is the dearest file of a process to read (the kernel
    /// copies it out of the process's memory): the enforcer leaves it out,
    /// and its documents carry an empty `cmdline`.
    public let readsArgv: Bool
    private let parent: [[UInt8]]
    /// Whether `procRoot` numbers processes as this process's pid namespace
    /// does: `cgroup.procs` lists pids in the reader's namespace, and only
    /// those it can see (in a container, another container's cgroup reads
    /// empty), so the tree is used only then.
    private let procRootIsOurs: Bool

    public init(
        procRoot: String = "/proc", cgroupParent: String = ContainerCgroupPath.defaultParent, cgroupRoot: String? = "/sys/fs/cgroup",
        openFiles: OpenProcFiles? = nil, readsArgv: Bool = true
    ) {
        self.procRoot = procRoot
        self.readsArgv = readsArgv
        self.cgroupParent = cgroupParent
        self.cgroupRoot = cgroupRoot
        self.openFiles = openFiles
        parent = ContainerCgroupPath.components(cgroupParent)
        procRootIsOurs = Self.sharesPidNamespace(procRoot: procRoot)
    }

    /// True when `<procRoot>/self` names this process, or when there is no
    /// such entry (a fixture tree, not a procfs): a host's /proc mounted into
    /// a container names the reader by its host pid, not by `getpid()`, and
    /// a namespace's /proc the reader is not in has a `self` that names no one.
    public static func sharesPidNamespace(procRoot: String) -> Bool {
        var entry = stat()
        guard lstat("\(procRoot)/self", &entry) == 0 else { return true }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = readlink("\(procRoot)/self", &buffer, buffer.count - 1)
        guard count > 0 else { return false }
        let text = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Int32(text) == getpid()
    }

    /// Takes the document now. A process that exits mid-read is left out;
    /// only an unreadable /proc/meminfo is an error.
    public func document() throws(SysinfoError) -> SysinfoDocument {
        let takenAt = Self.clock(CLOCK_REALTIME)
        let boot = Self.clock(CLOCK_BOOTTIME)
        let memory = try readMemory()
        let ticks = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        let nsPerTick = 1_000_000_000 / ticks

        var byID: [String: SysinfoDocument.Container] = [:]
        // The tree is read only when its pids are `procRoot`'s (above). A tree
        // with no container cgroup where they should be (a container's own
        // view of it, without the host's cgroup namespace) says nothing
        // either: each process's cgroup file is read then, as without a tree.
        let root = procRootIsOurs ? cgroupRoot : nil
        let trees = (root.map(CgroupTrees.listing(under:)) ?? []).map { ($0, self.containers(in: $0)) }
        if trees.contains(where: { !$0.1.isEmpty }) {
            // Each container is listed in the first hierarchy, in rank order,
            // that has its cgroup (as a process's /proc/<pid>/cgroup lines are
            // ranked), and a process in the first container that lists it.
            // Reading each container once, not once per hierarchy, has one
            // price: a process moved by hand out of its container's memory
            // cgroup, yet left in its cpuacct one, is not counted (the module,
            // ranking each process's own lines, would count it).
            var listed = Set<String>()
            var placed = Set<Int32>()
            for (hierarchy, found) in trees {
                for found in found where listed.insert(found.id).inserted {
                    for pid in pids(below: hierarchy + found.cgroup) where !placed.contains(pid) {
                        guard let process = readProcess(pid, totalKb: memory.totalKb, bootNs: boot, nsPerTick: nsPerTick) else { continue }
                        placed.insert(pid)
                        byID[found.id, default: .init(id: found.id, cgroup: found.cgroup, processes: [])].processes.append(process)
                    }
                }
            }
        } else {
            for name in ProcFile.entries(procRoot) ?? [] {
                guard let pid = Int32(name), pid > 0 else { continue }
                guard let found = containerOf(pid) else { continue }
                guard let process = readProcess(pid, totalKb: memory.totalKb, bootNs: boot, nsPerTick: nsPerTick) else { continue }
                byID[found.id, default: .init(id: found.id, cgroup: found.cgroup, processes: [])].processes.append(process)
            }
        }
        openFiles?.endRound()
        let containers = byID.values.sorted { $0.id < $1.id }.map { container in
            var sorted = container
            sorted.processes.sort { $0.pid < $1.pid }
            return sorted
        }
        return SysinfoDocument(source: .procfs, takenAtNs: takenAt, bootNs: boot, memory: memory, containers: containers)
    }

    /// The containers' cgroups in one hierarchy: `/<parent>/<64 hex>` and
    /// `/system.slice/docker-<64 hex>.scope`, by the rule a process's path is
    /// matched with.
    func containers(in hierarchy: String) -> [(id: String, cgroup: String)] {
        let parentPath = parent.map { "/" + String(decoding: $0, as: UTF8.self) }.joined()
        var found: [(id: String, cgroup: String)] = []
        for directory in [parentPath, "/system.slice"] where !directory.isEmpty {
            for name in ProcFile.subdirectories(hierarchy + directory) ?? [] {
                let path = Array("\(directory)/\(name)".utf8)
                if let container = ContainerCgroupPath.container(inPath: path[...], parent: parent),
                    container.cgroup.utf8.count == path.count
                {
                    found.append(container)
                }
            }
        }
        return found
    }

    /// Every process in the cgroup at `directory` and the cgroups below it
    /// (a container that makes its own, as systemd in a container does). A
    /// leader that exited while its threads run is listed while they do.
    func pids(below directory: String) -> [Int32] {
        var pids: [Int32] = []
        var pending = [directory]
        while let next = pending.popLast() {
            if case .success(let bytes) = readAll("\(next)/cgroup.procs", limit: 16 << 20) {
                var value: Int32 = 0
                var digits = false
                for byte in bytes {
                    if byte >= 0x30, byte <= 0x39 {
                        value = value &* 10 &+ Int32(byte - 0x30)
                        digits = true
                    } else {
                        if digits, value > 0 { pids.append(value) }
                        value = 0
                        digits = false
                    }
                }
                if digits, value > 0 { pids.append(value) }
            }
            // A directory's link count is 2 plus its subdirectories (cgroupfs
            // keeps it so, as tmpfs and ext4 do): one stat instead of reading
            // the directory, which is all but always empty of cgroups.
            guard (openFiles?.linkCount(next) ?? ProcFile.linkCount(next)).map({ $0 != 2 }) ?? true else { continue }
            pending += (ProcFile.subdirectories(next) ?? []).map { "\(next)/\($0)" }
        }
        // cgroup v1 may list a process twice.
        return Array(Set(pids))
    }

    /// The container a process belongs to, by its cgroup. On cgroup v1 a
    /// zombie reports the root cgroup, so a leader that exited while its
    /// threads live on is found through one of those threads instead.
    func containerOf(_ pid: Int32) -> (id: String, cgroup: String)? {
        guard case .success(let bytes) = ProcFile.readAll("\(procRoot)/\(pid)/cgroup", limit: 64 << 10) else { return nil }
        if let found = ContainerCgroupPath.container(inProcCgroup: bytes, parent: parent) { return found }
        guard ContainerCgroupPath.onlyRoot(bytes), isZombie(pid) else { return nil }
        for tid in ProcFile.entries("\(procRoot)/\(pid)/task") ?? [] where tid != String(pid) {
            if case .success(let threadBytes) = ProcFile.readAll("\(procRoot)/\(pid)/task/\(tid)/cgroup", limit: 64 << 10),
                let found = ContainerCgroupPath.container(inProcCgroup: threadBytes, parent: parent)
            {
                return found
            }
        }
        return nil
    }

    func isZombie(_ pid: Int32) -> Bool {
        guard case .success(let stat) = ProcFile.readAll("\(procRoot)/\(pid)/stat", limit: 64 << 10),
            let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count
        else { return false }
        return stat[close + 2] == UInt8(ascii: "Z")
    }

    /// The host's memory, from /proc/meminfo.
    public func memory() throws(SysinfoError) -> HostMemory {
        try readMemory()
    }

    func readMemory() throws(SysinfoError) -> HostMemory {
        try MemInfo.read(procRoot: procRoot)
    }

    /// One process, or nil when it vanished (or turned unreadable) mid-read.
    func readProcess(_ pid: Int32, totalKb: UInt64, bootNs: UInt64, nsPerTick: UInt64) -> SysinfoDocument.Process? {
        let base = "\(procRoot)/\(pid)"
        guard case .success(let stat) = readAll("\(base)/stat", limit: 64 << 10),
            let open = stat.firstIndex(of: UInt8(ascii: "(")), let close = stat.lastIndex(of: UInt8(ascii: ")")), open < close
        else { return nil }
        let name = LenientText.decode(stat[(open + 1)..<close])
        guard let fields = StatFields(stat[(close + 1)...]) else { return nil }
        let ppid = Int32(truncatingIfNeeded: fields.ppid)
        let cpuTimeNs = (fields.utime + fields.stime) * nsPerTick
        let startNs = fields.startTime * nsPerTick

        // stat carries VmSize (vsize, in bytes), the resident set (rss, in
        // pages) and Threads (num_threads): one read, not two. Its rss is the
        // kernel's get_mm_rss(), the counter the module reads; newer kernels
        // sum status's VmRSS more precisely, so the two can differ slightly.
        let vszKb = fields.vsize / 1024
        let rssKb = fields.rss * Self.pageKb
        // A zombie whose threads are all gone is left out, as the module does.
        // A leader that exited while its threads run is a zombie too, but its
        // process lives on (with no memory map or argv of its own): its
        // thread count still counts the live ones.
        if fields.state == UInt8(ascii: "Z"), fields.threads <= 1 { return nil }

        var argv: [UInt8] = []
        if readsArgv {
            guard case .success(let read) = readPrefix("\(base)/cmdline", count: Self.cmdlineLimit) else { return nil }
            argv = read
            while argv.last == 0 { argv.removeLast() }
            for i in argv.indices where argv[i] == 0 { argv[i] = UInt8(ascii: " ") }
        }

        let lifetime = bootNs > startNs ? bootNs - startNs : 0
        return SysinfoDocument.Process(
            pid: pid, ppid: ppid, name: name, cmdline: LenientText.decode(argv), vszKb: vszKb, rssKb: rssKb,
            memPercent: Percent(ratio: rssKb, of: totalKb), cpuTimeNs: cpuTimeNs, startTimeNs: startNs,
            cpuPercent: Percent(ratio: cpuTimeNs, of: lifetime))
    }

    func readAll(_ path: String, limit: Int) -> Result<[UInt8], ProcFile.Failure> {
        openFiles?.readAll(path, limit: limit) ?? ProcFile.readAll(path, limit: limit)
    }

    func readPrefix(_ path: String, count: Int) -> Result<[UInt8], ProcFile.Failure> {
        openFiles?.readPrefix(path, count: count) ?? ProcFile.readPrefix(path, count: count)
    }

    static let pageKb = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1024) / 1024)

    static func clock(_ id: clockid_t) -> UInt64 {
        var now = timespec()
        clock_gettime(id, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
