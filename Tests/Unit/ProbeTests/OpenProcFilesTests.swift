import Foundation
import Testing

@testable import Probe

/// Files kept open between cycles read as if opened afresh: the same bytes,
/// a file gone is missing, and nothing is kept past the round after its last read.
@Suite("Files kept open between cycles")
struct OpenProcFilesTests {
    /// A directory of the test's own, removed when `body` returns.
    static func withScratch<T>(_ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("open-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test("a kept file reads its whole content from the start every time, and a real /proc file anew")
    func rereads() throws {
        try Self.withScratch { directory in
            let files = OpenProcFiles(capacity: 8)
            let path = "\(directory)/stat"
            try Data("first\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(try files.readAll(path, limit: 64).get() == Array("first\n".utf8))
            #expect(files.count == 1)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.write(contentsOf: Data("again!\nand more\n".utf8))
            try handle.close()
            #expect(try files.readAll(path, limit: 64).get() == Array("again!\nand more\n".utf8))
            #expect(try files.readPrefix(path, count: 3).get() == Array("aga".utf8))
            #expect(files.count == 1, "one descriptor, read three times")
            let ticks = try files.readAll("/proc/self/stat", limit: 4096).get()
            #expect(String(decoding: ticks, as: UTF8.self).hasPrefix("\(getpid()) ("))
        }
    }

    @Test("a file that is gone is missing, and its descriptor is let go")
    func gone() throws {
        try Self.withScratch { directory in
            let files = OpenProcFiles(capacity: 8)
            let path = "\(directory)/cgroup.procs"
            try Data("12\n".utf8).write(to: URL(fileURLWithPath: path))
            _ = files.readAll(path, limit: 64)
            try FileManager.default.removeItem(atPath: path)
            // A regular file's kept descriptor still reads it: the next round lets it go.
            files.endRound()
            files.endRound()
            #expect(files.count == 0)
            #expect(files.readAll(path, limit: 64) == .failure(.missing))
        }
    }

    @Test("a round closes what it did not read; past the capacity files are read the plain way")
    func roundsAndCapacity() throws {
        try Self.withScratch { directory in
            for name in ["a", "b", "c"] { try Data(name.utf8).write(to: URL(fileURLWithPath: "\(directory)/\(name)")) }
            let files = OpenProcFiles(capacity: 2)
            for name in ["a", "b", "c"] { #expect(try files.readAll("\(directory)/\(name)", limit: 8).get() == Array(name.utf8)) }
            #expect(files.count == 2, "c was read without being kept")
            files.endRound()
            _ = files.readAll("\(directory)/a", limit: 8)
            files.endRound()
            #expect(files.count == 1, "a was read this round; b was not")
            #expect(files.linkCount(directory) == 2, "a directory with no subdirectories")
            try FileManager.default.createDirectory(atPath: "\(directory)/child", withIntermediateDirectories: false)
            #expect(files.linkCount(directory) == 3, "a kept directory's count follows its subdirectories")
        }
    }

    @Test("the twin reads the same document with its files kept open, cycle after cycle")
    func sameDocument() throws {
        let proc = try ProcfsProbeFixtureTests.FakeProc()
        let cgroups = try ProcfsProbeFixtureTests.FakeProc()
        let id = String(repeating: "d", count: 64)
        try cgroups.write("memory/cgroup.procs", "1\n")
        try cgroups.write("memory/docker/\(id)/cgroup.procs", "40\n41\n")
        for pid in [40, 41] {
            try proc.process(
                pid, comm: "w\(pid)", ppid: 1, cgroup: "0::/\n", utime: 1, stime: 1, start: 0, vsz: 8, rss: 4, argv: Array("w\(pid)".utf8))
        }
        let files = OpenProcFiles(capacity: 64)
        let kept = ProcfsProbe(procRoot: proc.root, cgroupRoot: cgroups.root, openFiles: files)
        let plain = ProcfsProbe(procRoot: proc.root, cgroupRoot: cgroups.root)
        for _ in 0..<3 {
            #expect(try kept.document().containers == (try plain.document().containers))
        }
        #expect(files.count > 0)
    }
}
