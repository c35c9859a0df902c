// CgroupActuation: acting on a container through its cgroup, beside the
// runtime: emptying it (cgroup.kill on v2, each pid of cgroup.procs through a
// pidfd otherwise) and capping it (a CPU quota and a memory soft limit).

import Actuation
import CPidfd
import CorralCore
import Foundation
import Probe

/// Empties a container's cgroup on this host. Resolved at kill time from the
/// runtime's main pid: `/proc/<pid>/cgroup` must name the container's own
/// cgroup (by id, under the configured parent), or nothing is signalled.
/// Every other process is signalled only after a pidfd pins it and its own
/// `/proc/<pid>/cgroup` still names the container, so a pid reused by a
/// process outside it is never hit.
public struct CgroupfsKiller: CgroupKilling {
    /// `auto` writes `cgroup.kill` where the kernel has it (v2, 5.14+), else
    /// walks `cgroup.procs`; `procs` always walks (cgroup v1's way, forced
    /// to test it where both exist).
    public enum Mechanism: String, Sendable, CaseIterable {
        case auto
        case procs
    }

    public let procRoot: String
    public let cgroupRoot: String
    /// The runtime's cgroup parent (`docker` by default).
    public let parent: String
    public let mechanism: Mechanism
    /// How long the cgroup may take to empty before the kill is a failure.
    public let deadline: Duration

    public init(
        procRoot: String = "/proc", cgroupRoot: String = "/sys/fs/cgroup", parent: String = ContainerCgroupPath.defaultParent,
        mechanism: Mechanism = .auto, deadline: Duration = .seconds(5)
    ) {
        self.procRoot = procRoot
        self.cgroupRoot = cgroupRoot
        self.parent = parent
        self.mechanism = mechanism
        self.deadline = deadline
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The main pid's cgroup is not the container's: nothing was signalled.
        case notTheContainer(id: String, pid: Int32, cgroup: String?)
        /// Neither hierarchy has the container's cgroup.
        case noCgroup(id: String, cgroup: String, tried: [String])
        case unwritable(path: String, reason: String)
        /// Processes were left when the deadline passed.
        case stillPopulated(cgroup: String, pids: [Int32])
        /// `procRoot` numbers processes in another pid namespace than this
        /// process's (the host's /proc in a container): `cgroup.procs` lists
        /// only the pids this process can see, so the walk cannot be trusted.
        case otherPidNamespace(procRoot: String)

        public var description: String {
            switch self {
            case .notTheContainer(let id, let pid, let cgroup):
                return
                    "pid \(pid), the runtime's main process of \(id.prefix(12)), is in \(cgroup ?? "no container's cgroup"), not the container's: nothing signalled"
            case .noCgroup(let id, let cgroup, let tried):
                return "no cgroup \(cgroup) for \(id.prefix(12)) under \(tried.joined(separator: ", "))"
            case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
            case .stillPopulated(let cgroup, let pids):
                return
                    "\(cgroup) still holds \(pids.count) process(es) (\(pids.prefix(5).map(String.init).joined(separator: ", "))) after the deadline"
            case .otherPidNamespace(let procRoot):
                return
                    "\(procRoot) is another pid namespace's /proc: cgroup.procs cannot be walked from here (cgroup.kill, on cgroup v2, can)"
            }
        }
    }

    public func empty(_ id: String, mainPID: Int32) async throws -> CgroupKill {
        let found = try Self.resolve(id, mainPID: mainPID, procRoot: procRoot, parent: parent)

        let clock = ContinuousClock()
        let start = clock.now
        func seconds() -> Double {
            let d = clock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        let unified = CgroupTrees.unified(under: cgroupRoot)
        if mechanism == .auto, let unified, FileManager.default.fileExists(atPath: "\(unified)\(found.cgroup)/cgroup.kill") {
            let directory = "\(unified)\(found.cgroup)"
            let listed = pids(in: directory).count
            try write("1", to: "\(directory)/cgroup.kill")
            try await waitEmpty(directory, unified: true, since: start, clock: clock) { _ in }
            return CgroupKill(via: .cgroupKill, cgroup: directory, signalled: listed, seconds: seconds())
        }
        let candidates =
            ["pids", "memory", "cpu,cpuacct", "cpuacct", "freezer"].map { "\(cgroupRoot)/\($0)" } + [unified].compactMap { $0 }
        guard
            let directory = candidates.map({ "\($0)\(found.cgroup)" }).first(where: {
                FileManager.default.fileExists(atPath: "\($0)/cgroup.procs")
            })
        else { throw Failure.noCgroup(id: id, cgroup: found.cgroup, tried: candidates) }
        guard ProcfsProbe.sharesPidNamespace(procRoot: procRoot) else { throw Failure.otherPidNamespace(procRoot: procRoot) }
        var signalled = Set<Int32>()
        try await waitEmpty(directory, unified: false, since: start, clock: clock) { pids in
            for pid in pids where signal(pid, in: id) { signalled.insert(pid) }
        }
        return CgroupKill(via: .cgroupProcs, cgroup: directory, signalled: signalled.count, seconds: seconds())
    }

    /// The container's own cgroup path (`/docker/<id>`), from the cgroup its
    /// main pid is in; refused unless that is the container's, by id.
    static func resolve(_ id: String, mainPID: Int32, procRoot: String, parent: String) throws(Failure) -> (id: String, cgroup: String) {
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(mainPID)/cgroup", encoding: .utf8) else {
            throw Failure.notTheContainer(id: id, pid: mainPID, cgroup: nil)
        }
        let found = ContainerCgroupPath.container(inProcCgroup: text, parent: parent)
        guard let found, found.id == id else { throw Failure.notTheContainer(id: id, pid: mainPID, cgroup: found?.cgroup) }
        return found
    }

    /// Polls until the cgroup is empty, handing each non-empty `cgroup.procs`
    /// list to `each` (which signals it on v1: a process forked meanwhile is
    /// in the next list). On v2 empty is `populated 0` in `cgroup.events`,
    /// which counts the cgroups below too and every pid namespace's processes.
    func waitEmpty(
        _ directory: String, unified: Bool, since start: ContinuousClock.Instant, clock: ContinuousClock, each: ([Int32]) -> Void
    ) async throws {
        while true {
            // On v2 the flag says it; the list is read only to name what is
            // left at the deadline.
            let left = unified ? [] : pids(in: directory)
            if unified ? !populated(directory) : left.isEmpty { return }
            guard clock.now - start < deadline else {
                throw Failure.stillPopulated(cgroup: directory, pids: unified ? pids(in: directory) : left)
            }
            each(left)
            try await Task.sleep(for: .microseconds(500))
        }
    }

    /// SIGKILL through a pidfd, once the pinned process is seen in the
    /// container. False when it is gone or not the container's.
    func signal(_ pid: Int32, in id: String) -> Bool {
        let fd = pidfd_open(pid, 0)
        // Without pidfds (before 5.3) the membership check below and kill(2)
        // are the best there is; with them, the check is of the pinned process.
        guard fd >= 0 || errno == ENOSYS else { return false }
        defer { if fd >= 0 { close(fd) } }
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/cgroup", encoding: .utf8),
            ContainerCgroupPath.container(inProcCgroup: text, parent: parent)?.id == id
        else { return false }
        return (fd >= 0 ? pidfd_send_signal(fd, SIGKILL, nil, 0) : kill(pid, SIGKILL)) == 0
    }

    /// A v2 cgroup's `populated` flag; an unreadable file is taken as empty
    /// (the cgroup is gone).
    func populated(_ directory: String) -> Bool {
        guard let text = try? String(contentsOfFile: "\(directory)/cgroup.events", encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains("populated 1")
    }

    func pids(in directory: String) -> [Int32] {
        guard let text = try? String(contentsOfFile: "\(directory)/cgroup.procs", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    func write(_ value: String, to path: String) throws {
        try Self.write(value, to: path)
    }

    static func write(_ value: String, to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.unwritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = value.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw Failure.unwritable(path: path, reason: String(cString: strerror(errno))) }
    }
}
