import CorralCore
import Foundation
import Testing

@testable import Probe

/// The twin against a /proc laid out by the test: exact figures, and the
/// races a real /proc has (a process gone between two reads).
@Suite("ProcfsProbe on a fixture /proc")
struct ProcfsProbeFixtureTests {
    static let idA = String(repeating: "a", count: 64)
    static let idB = String(repeating: "b", count: 64)

    final class FakeProc {
        let root: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try write("meminfo", "MemTotal:       1000000 kB\nMemFree:         200000 kB\nMemAvailable:    600000 kB\nBuffers: 1 kB\n")
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }

        func write(_ path: String, _ text: String) throws {
            try write(path, Array(text.utf8))
        }

        func write(_ path: String, _ bytes: [UInt8]) throws {
            let url = URL(fileURLWithPath: "\(root)/\(path)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }

        /// A process: stat fields as proc(5) numbers them, utime/stime/starttime in
        /// ticks, vsz and rss in KiB (rss a multiple of the 4 KiB page).
        func process(
            _ pid: Int, comm: String, ppid: Int, cgroup: String, utime: Int, stime: Int, start: Int, vsz: Int, rss: Int, argv: [UInt8],
            threads: Int = 1
        ) throws {
            var fields = Array(repeating: "0", count: 50)
            fields[4] = String(ppid)
            fields[14] = String(utime)
            fields[15] = String(stime)
            fields[22] = String(start)
            fields[20] = String(threads)
            fields[23] = String(vsz * 1024)  // vsize, bytes
            fields[24] = String(rss / 4)  // rss, 4 KiB pages
            let tail = fields[4...].joined(separator: " ")
            try write("\(pid)/stat", "\(pid) (\(comm)) S \(tail)\n")
            try write("\(pid)/cgroup", cgroup)
            try write("\(pid)/cmdline", argv)
        }

        /// Pid 100, a CPU burner: 200 ticks of CPU, started at tick 1000, 9268 KiB virtual, 772 KiB resident.
        func burner(cgroup: String) throws {
            try process(
                100, comm: "high-cpu", ppid: 90, cgroup: cgroup, utime: 150, stime: 50, start: 1000, vsz: 9268, rss: 772,
                argv: Array("/high-cpu\0--fast\0".utf8))
        }
    }

    @Test("processes are grouped by the container their cgroup names, with figures from stat and status")
    func groups() throws {
        let proc = try FakeProc()
        let v1 = "12:memory:/docker/\(Self.idA)\n11:cpu,cpuacct:/docker/\(Self.idA)\n0::/\n"
        try proc.burner(cgroup: v1)
        try proc.process(
            101, comm: "a (b) c", ppid: 100, cgroup: v1, utime: 0, stime: 0, start: 2000, vsz: 10, rss: 8,
            argv: [0x61, 0xFF, 0x00, 0xC3, 0xA9])
        try proc.process(
            200, comm: "high-ram", ppid: 1, cgroup: "0::/system.slice/docker-\(Self.idB).scope\n", utime: 1, stime: 1, start: 10,
            vsz: 263144, rss: 262200, argv: Array("/high-ram\0".utf8))
        // Not in a container: a shim named like the workload must not count.
        try proc.process(
            300, comm: "containerd-shim", ppid: 1, cgroup: "12:memory:/system.slice/containerd.service\n0::/\n", utime: 9, stime: 9,
            start: 5, vsz: 1, rss: 1, argv: Array("containerd-shim\0-id\0\(Self.idA)\0".utf8))

        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document()
        #expect(doc.source == .procfs)
        #expect(doc.memory == HostMemory(totalKb: 1_000_000, freeKb: 200_000, availableKb: 600_000, usedKb: 400_000))
        #expect(doc.containers.map(\.id) == [Self.idA, Self.idB])
        let a = doc.containers[0]
        #expect(a.cgroup == "/docker/\(Self.idA)")
        #expect(a.processes.map(\.pid) == [100, 101])
        let burner = a.processes[0]
        #expect(burner.ppid == 90)
        #expect(burner.name == "high-cpu")
        #expect(burner.cmdline == "/high-cpu --fast")
        #expect(burner.cpuTimeNs == 2_000_000_000)  // 200 ticks at 100 Hz
        #expect(burner.startTimeNs == 10_000_000_000)
        #expect(burner.vszKb == 9268 && burner.rssKb == 772)
        #expect(burner.memPercent == Percent(hundredths: 7))  // 772 / 1,000,000 = 0.0772%
        #expect(a.processes[1].name == "a (b) c", "a comm with parentheses and spaces")
        #expect(a.processes[1].cmdline == "a\u{FF} \u{E9}", "invalid UTF-8 bytes as U+00XX, NULs as spaces")
        #expect(doc.containers[1].cgroup == "/system.slice/docker-\(Self.idB).scope")
    }

    @Test("a cycle's document leaves argv out and every figure as the whole document has it")
    func withoutArgv() throws {
        let proc = try FakeProc()
        let v1 = "12:memory:/docker/\(Self.idA)\n"
        try proc.burner(cgroup: v1)
        // Its argv gone (or unreadable): the whole document skips it, a cycle's does not need it.
        try proc.process(101, comm: "no argv", ppid: 100, cgroup: v1, utime: 3, stime: 4, start: 5, vsz: 6, rss: 8, argv: [])
        try FileManager.default.removeItem(atPath: "\(proc.root)/101/cmdline")

        let whole = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document()
        let cycle = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil, readsArgv: false).document()
        #expect(whole.containers.first?.processes.map(\.pid) == [100])
        #expect(cycle.containers.first?.processes.map(\.pid) == [100, 101])
        #expect(cycle.containers.first?.processes.allSatisfy { $0.cmdline.isEmpty } == true)
        var burner = try #require(cycle.containers.first?.processes.first)
        burner.cmdline = "/high-cpu --fast"
        #expect(burner == whole.containers.first?.processes.first)
    }

    @Test("stat's fields are read past a comm of spaces and parentheses; a negative one counts as 0, a short line is no process")
    func statFields() throws {
        let line = Array("7 (a) (b c) R 3 7 7 0 -1 4194560 10 0 0 0 12 34 0 0 -2 0 5 0 678 1048576 9 18446744073709551615\n".utf8)
        let close = try #require(line.lastIndex(of: UInt8(ascii: ")")))
        let fields = try #require(StatFields(line[(close + 1)...]))
        #expect(fields.state == UInt8(ascii: "R"))
        #expect(
            [fields.ppid, fields.utime, fields.stime, fields.threads, fields.startTime, fields.vsize, fields.rss] == [
                3, 12, 34, 5, 678, 1_048_576, 9,
            ])
        #expect(StatFields(Array(" S 1 0 0 0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 5 0\n".utf8)[...]) == nil, "rss, field 24, missing")
    }

    @Test("a process that vanishes between reads is skipped, not an error")
    func vanished() throws {
        let proc = try FakeProc()
        let v1 = "12:memory:/docker/\(Self.idA)\n"
        try proc.process(100, comm: "stays", ppid: 1, cgroup: v1, utime: 1, stime: 1, start: 1, vsz: 1, rss: 1, argv: [])
        // Gone after its cgroup was read: no stat, or no status, or no cmdline.
        try proc.write("101/cgroup", v1)
        try proc.write("102/cgroup", v1)
        try proc.write("102/stat", "102 (x) S 1 0 0 0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 5 0 0\n")
        try proc.process(103, comm: "half", ppid: 1, cgroup: v1, utime: 1, stime: 1, start: 1, vsz: 1, rss: 1, argv: [])
        try FileManager.default.removeItem(atPath: "\(proc.root)/103/cmdline")
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document()
        #expect(doc.containers.first?.processes.map(\.pid) == [100])
    }

    @Test(
        "a process in a cgroup below a container counts as the container's, reported at the container's own cgroup; zombies are left out unless their threads live on"
    )
    func nestedAndZombie() throws {
        let proc = try FakeProc()
        try proc.process(
            10, comm: "outer", ppid: 1, cgroup: "0::/system.slice/docker-\(Self.idA).scope\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 1,
            argv: [])
        try proc.process(
            11, comm: "inner", ppid: 10, cgroup: "0::/system.slice/docker-\(Self.idA).scope/init.scope\n", utime: 0, stime: 0, start: 0,
            vsz: 1, rss: 1, argv: [])
        try proc.process(
            12, comm: "dind", ppid: 10, cgroup: "0::/system.slice/docker-\(Self.idA).scope/docker/\(Self.idB)\n", utime: 0, stime: 0,
            start: 0, vsz: 1, rss: 1, argv: [])
        try proc.process(
            13, comm: "zombie", ppid: 10, cgroup: "0::/docker/\(Self.idA)\n", utime: 0, stime: 0, start: 0, vsz: 0, rss: 0, argv: [])
        let stat = try String(contentsOfFile: "\(proc.root)/13/stat", encoding: .utf8)
        try proc.write("13/stat", stat.replacingOccurrences(of: ") S ", with: ") Z "))
        // A leader that exited while a thread of its group still runs: Z, but alive.
        try proc.process(
            14, comm: "leader", ppid: 10, cgroup: "0::/docker/\(Self.idA)\n", utime: 3, stime: 0, start: 0, vsz: 0, rss: 0, argv: [],
            threads: 2)
        let leader = try String(contentsOfFile: "\(proc.root)/14/stat", encoding: .utf8)
        try proc.write("14/stat", leader.replacingOccurrences(of: ") S ", with: ") Z "))
        // The same on cgroup v1, where a zombie's own cgroup file says "/":
        // its live thread names the container.
        try proc.process(
            16, comm: "v1leader", ppid: 10, cgroup: "4:memory:/\n0::/\n", utime: 0, stime: 0, start: 0, vsz: 0, rss: 0, argv: [], threads: 2
        )
        let v1leader = try String(contentsOfFile: "\(proc.root)/16/stat", encoding: .utf8)
        try proc.write("16/stat", v1leader.replacingOccurrences(of: ") S ", with: ") Z "))
        try proc.write("16/task/16/cgroup", "4:memory:/\n0::/\n")
        try proc.write("16/task/17/cgroup", "4:memory:/docker/\(Self.idA)\n0::/\n")
        // A host process in the root cgroup that is no zombie is not looked into.
        try proc.process(
            18, comm: "hostproc", ppid: 1, cgroup: "4:memory:/\n0::/\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 1, argv: [])
        try proc.write("18/task/19/cgroup", "4:memory:/docker/\(Self.idA)\n")
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document()
        #expect(doc.containers.map(\.id) == [Self.idA])
        #expect(doc.containers[0].processes.map(\.pid) == [10, 11, 12, 14, 16])
        #expect(doc.containers[0].processes.first { $0.pid == 14 }?.cpuTimeNs == 30_000_000)
        #expect(doc.containers[0].cgroup == "/system.slice/docker-\(Self.idA).scope")
    }

    @Test(
        "with a cgroup tree, a container's processes are those its cgroup and the cgroups below it list, each once; other cgroups are not looked into",
        arguments: [("v1", "memory"), ("v2", "")])
    func listedByCgroup(layout: String, controller: String) throws {
        let proc = try FakeProc()
        let cgroups = try FakeProc()
        let hierarchy = controller.isEmpty ? "" : "\(controller)/"
        try cgroups.write(
            controller.isEmpty ? "cgroup.controllers" : "\(hierarchy)cgroup.procs", controller.isEmpty ? "cpu memory pids\n" : "1\n")
        // v1 may list a process twice; a pid that is gone by the time it is read is left out.
        try cgroups.write("\(hierarchy)docker/\(Self.idA)/cgroup.procs", "100\n101\n100\n555\n")
        try cgroups.write("\(hierarchy)docker/\(Self.idA)/init.scope/cgroup.procs", "102\n")
        try cgroups.write("\(hierarchy)system.slice/docker-\(Self.idB).scope/cgroup.procs", "200\n")
        // Not a container's cgroup: a short name, and a user's scope carrying an id.
        try cgroups.write("\(hierarchy)docker/notacontainer/cgroup.procs", "300\n")
        try cgroups.write("\(hierarchy)user.slice/docker-\(Self.idA).scope/cgroup.procs", "301\n")
        // A container whose every process is gone is not in the document.
        try cgroups.write("\(hierarchy)docker/\(String(repeating: "c", count: 64))/cgroup.procs", "")
        // The /proc/<pid>/cgroup texts say otherwise: with a cgroup tree they are not read.
        for pid in [100, 101, 102, 200, 300, 301] {
            try proc.process(
                pid, comm: "p\(pid)", ppid: 1, cgroup: "0::/\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 4, argv: Array("p\(pid)".utf8))
        }
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: cgroups.root).document()
        #expect(doc.containers.map(\.id) == [Self.idA, Self.idB], "\(layout)")
        #expect(doc.containers.first?.cgroup == "/docker/\(Self.idA)")
        #expect(doc.containers.first?.processes.map(\.pid) == [100, 101, 102])
        #expect(doc.containers.last?.cgroup == "/system.slice/docker-\(Self.idB).scope")
        #expect(doc.containers.last?.processes.map(\.name) == ["p200"])
    }

    @Test(
        "on cgroup v1 a container is listed from the first hierarchy in rank that has its cgroup (memory, then cpuacct, then unified), and a process once"
    )
    func rankedHierarchies() throws {
        let proc = try FakeProc()
        let cgroups = try FakeProc()
        let idC = String(repeating: "c", count: 64)
        try cgroups.write("memory/cgroup.procs", "1\n")
        try cgroups.write("cpu,cpuacct/cgroup.procs", "1\n")
        try cgroups.write("unified/cgroup.controllers", "")
        try cgroups.write("memory/docker/\(Self.idA)/cgroup.procs", "100\n")
        // A's cpuacct cgroup is not read again: the memory hierarchy listed A.
        try cgroups.write("cpu,cpuacct/docker/\(Self.idA)/cgroup.procs", "100\n101\n")
        // 100 is also under B in cpuacct: the memory hierarchy ranks first.
        try cgroups.write("cpu,cpuacct/docker/\(Self.idB)/cgroup.procs", "100\n200\n")
        try cgroups.write("unified/system.slice/docker-\(idC).scope/cgroup.procs", "200\n300\n")
        for pid in [100, 101, 200, 300] {
            try proc.process(pid, comm: "p\(pid)", ppid: 1, cgroup: "0::/\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 4, argv: [])
        }
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: cgroups.root).document()
        let listed = Dictionary(uniqueKeysWithValues: doc.containers.map { ($0.id, $0.processes.map(\.pid)) })
        #expect(listed == [Self.idA: [100], Self.idB: [200], idC: [300]])
    }

    @Test("a cgroup root with no hierarchy in it leaves the twin to each process's /proc/<pid>/cgroup")
    func noHierarchy() throws {
        let proc = try FakeProc()
        let empty = try FakeProc()
        try proc.process(
            100, comm: "w", ppid: 1, cgroup: "12:memory:/docker/\(Self.idA)\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 4, argv: [])
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: empty.root).document()
        #expect(doc.containers.map(\.id) == [Self.idA])
    }

    @Test(
        "a /proc of another pid namespace (the host's, mounted into a container) is read process by process: the cgroup tree's pids are the reader's, and it sees none of another container's"
    )
    func otherPidNamespace() throws {
        let proc = try FakeProc()
        let cgroups = try FakeProc()
        try cgroups.write("memory/cgroup.procs", "1\n")
        try cgroups.write("memory/docker/\(Self.idB)/cgroup.procs", "")
        try proc.process(
            100, comm: "w", ppid: 1, cgroup: "12:memory:/docker/\(Self.idA)\n", utime: 0, stime: 0, start: 0, vsz: 1, rss: 4, argv: [])
        try FileManager.default.createSymbolicLink(atPath: "\(proc.root)/self", withDestinationPath: "\(getpid() + 1)")
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: cgroups.root).document()
        #expect(doc.containers.map(\.id) == [Self.idA])
        #expect(doc.containers.first?.processes.map(\.pid) == [100])
        // The reader's own /proc names it: the tree is used.
        #expect(ProcfsProbe.sharesPidNamespace(procRoot: "/proc"))
        #expect(!ProcfsProbe.sharesPidNamespace(procRoot: proc.root))
        // A `self` that names no one (a namespace this process is not in) is not ours either.
        let unnamed = try FakeProc()
        try unnamed.write("self", "")
        #expect(!ProcfsProbe.sharesPidNamespace(procRoot: unnamed.root))
    }

    @Test("argv is cut at 256 bytes, and trailing NULs are dropped")
    func cmdlineLimit() throws {
        let proc = try FakeProc()
        try proc.process(
            7, comm: "long", ppid: 1, cgroup: "3:memory:/docker/\(Self.idA)\n", utime: 0, stime: 0, start: 0, vsz: 0, rss: 0,
            argv: Array(repeating: UInt8(ascii: "x"), count: 1000))
        let doc = try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document()
        #expect(doc.containers.first?.processes.first?.cmdline.count == ProcfsProbe.cmdlineLimit)
    }

    @Test("a host without containers is an empty list; a /proc without meminfo is an error naming it")
    func emptyAndBroken() throws {
        let proc = try FakeProc()
        #expect(try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document().containers.isEmpty)
        try FileManager.default.removeItem(atPath: "\(proc.root)/meminfo")
        let error = #expect(throws: SysinfoError.self) { try ProcfsProbe(procRoot: proc.root, cgroupRoot: nil).document() }
        #expect(error?.description.contains("\(proc.root)/meminfo") == true)
    }

    @Test(
        "a container is recognised by its cgroup path where Docker puts it, under either driver; the same names elsewhere are not a container",
        arguments: [
            ("/docker/\(idA)", idA), ("/system.slice/docker-\(idA).scope", idA), ("/docker/\(idA)/child", idA),
            ("/system.slice/docker-\(idA).scope/init.scope", idA), ("docker/\(idA)", idA),
            ("/kubepods/x/docker/\(idA)", nil), ("/user.slice/docker-\(idA).scope", nil), ("/foo/docker/\(idA)", nil),
            ("/docker-\(idA).scope", nil), ("/system.slice/user/docker-\(idA).scope", nil), ("/system.slice/docker/\(idA)", nil),
            ("/docker/ABC", nil), ("/system.slice/containerd.service", nil), ("/docker-\(idA).scope.d", nil), ("/", nil),
        ] as [(String, String?)])
    func cgroupPaths(path: String, id: String?) {
        #expect(ContainerCgroupPath.containerID(in: path) == id)
    }

    @Test("under another cgroup parent the container is found there, and no longer under /docker")
    func cgroupParent() {
        let id = Self.idA
        #expect(ContainerCgroupPath.container(in: "/corral/parent/\(id)/x", parent: "/corral/parent/")?.cgroup == "/corral/parent/\(id)")
        #expect(ContainerCgroupPath.containerID(in: "/docker/\(id)", parent: "corral/parent") == nil)
    }
}
