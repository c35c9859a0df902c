import BoxRuntime
import Foundation
import Testing

@Suite("Box values: sizes, limits, names, exit records")
struct BoxValuesTests {
    @Test(
        "sizes as people write them",
        arguments: [
            ("64M", Int64(64) << 20), ("1G", Int64(1) << 30), ("512k", Int64(512) << 10), ("2GiB", Int64(2) << 30),
            ("1048576", Int64(1) << 20),
            ("1.5G", Int64(3) << 29), ("100b", Int64(100)),
        ])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try ByteSize.parse(text, what: "--disk") == bytes)
    }

    @Test("a size that is not one is refused, naming the flag", arguments: ["", "lots", "-1M", "0", "12X"])
    func badSizes(text: String) {
        #expect(throws: BoxError.invalid("--memory: '\(text)' is not a size; write a number of bytes or one with a unit: 64M, 1G, 512k")) {
            try ByteSize.parse(text, what: "--memory")
        }
    }

    @Test("sizes in words round-trip the common ones")
    func sizeWords() {
        #expect(ByteSize.words(64 << 20) == "64M")
        #expect(ByteSize.words(1 << 30) == "1G")
        #expect(ByteSize.words(1000) == "1000B")
        #expect(ByteSize.words(1_610_612_736) == "1.5G")
    }

    @Test("limits no kernel takes are refused before anything is made")
    func limits() throws {
        #expect(throws: BoxError.self) { try BoxLimits(memory: 1 << 20).validated() }
        #expect(throws: BoxError.self) { try BoxLimits(memory: 64 << 20, memorySwap: 32 << 20).validated() }
        #expect(throws: BoxError.self) { try BoxLimits(cpus: 0).validated() }
        #expect(throws: BoxError.self) { try BoxLimits(pids: 0).validated() }
        #expect(throws: BoxError.self) { try BoxLimits(disk: 1 << 20).validated() }
        let fine = BoxLimits(memory: 64 << 20, cpus: 0.5, pids: 100, disk: 1 << 30)
        #expect(try fine.validated() == fine)
        #expect(fine.words == "mem 64M cpu 0.5 pids 100 disk 1G")
    }

    @Test("box names are hostnames", arguments: ["web", "web-1", "a.b", "under_score"])
    func goodNames(name: String) throws {
        try BoxConfig.validate(name: name)
    }

    @Test("names a hostname cannot be are refused", arguments: ["", "-web", ".web", "a b", "a/b", String(repeating: "x", count: 64)])
    func badNames(name: String) {
        #expect(throws: BoxError.self) { try BoxConfig.validate(name: name) }
    }

    @Test("what the box's init writes, read back")
    func exitRecords() {
        #expect(ExitRecord("exited 3\n") == .exited(3))
        #expect(ExitRecord("signaled 9\n") == .signaled(9))
        #expect(ExitRecord("signaled 9\n")?.code == 137)
        #expect(ExitRecord("") == nil)
        #expect(ExitRecord("garbage") == nil)
        #expect(ExitRecord("exited x") == nil)
    }

    @Test("a record says what happened in words")
    func recordWords() {
        #expect(BoxRecord(phase: .running).words == "running")
        #expect(BoxRecord(phase: .exited, exitCode: 0).words == "exited (0)")
        #expect(BoxRecord(phase: .exited, exitCode: 137, signal: 9, oomKilled: true).words == "exited (137, oom-killed)")
        #expect(BoxRecord(phase: .exited, exitCode: 143, signal: 15).words == "exited (143, signal 15)")
        #expect(BoxRecord(phase: .exited).words == "exited (unknown)")
    }

    @Test("uptime in words")
    func uptime() {
        #expect(Box.words(seconds: 45) == "45s")
        #expect(Box.words(seconds: 192) == "3m12s")
        #expect(Box.words(seconds: 7500) == "2h05m")
        #expect(Box.words(seconds: 273_600) == "3d04h")
    }

    @Test("an image's digest is the hash of what goes into it: package order does not matter, anything else does")
    func digests() {
        let a = BoxImage.Recipe(suite: "bookworm", mirror: "http://deb.debian.org/debian", packages: ["procps", "iproute2"])
        let b = BoxImage.Recipe(suite: "bookworm", mirror: "http://deb.debian.org/debian", packages: ["iproute2", "procps", ""])
        let c = BoxImage.Recipe(suite: "trixie", mirror: "http://deb.debian.org/debian", packages: ["procps", "iproute2"])
        #expect(a.digest == b.digest)
        #expect(a.digest != c.digest)
        #expect(a.digest.count == 16)
    }

    @Test("files written into an image count in its digest; a recipe without files hashes as it always did")
    func digestsWithFiles() {
        let plain = BoxImage.Recipe(mirror: "http://deb.debian.org/debian")
        let one = BoxImage.Recipe(mirror: "http://deb.debian.org/debian", files: ["/usr/local/sbin/a": "x", "/usr/local/sbin/b": "y"])
        let same = BoxImage.Recipe(mirror: "http://deb.debian.org/debian", files: ["/usr/local/sbin/b": "y", "/usr/local/sbin/a": "x"])
        let edited = BoxImage.Recipe(mirror: "http://deb.debian.org/debian", files: ["/usr/local/sbin/a": "x2", "/usr/local/sbin/b": "y"])
        #expect(one.digest == same.digest)
        #expect(one.digest != plain.digest && one.digest != edited.digest)
        // The debian image every box test uses, built before images had files.
        #expect(BoxImage.Recipe(mirror: "http://deb.debian.org/debian").digest == "6650e5d817bc1fbe")
        #expect(WebImage.recipe(mirror: "http://deb.debian.org/debian").files[WebImage.supervisorPath]?.hasPrefix("#!/bin/sh\n") == true)
    }

    @Test("the mirror apt already uses, from a one-line list or a deb822 file")
    func mirrors() throws {
        let apt = FileManager.default.temporaryDirectory.appendingPathComponent("corral-apt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: apt + "/sources.list.d", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: apt) }
        #expect(BoxImages.defaultMirror(suite: "bookworm", aptRoot: apt) == nil)
        try Data(
            "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n".utf8
        ).write(to: URL(fileURLWithPath: apt + "/sources.list.d/debian.sources"))
        #expect(BoxImages.defaultMirror(suite: "bookworm", aptRoot: apt) == "http://mirror.example/debian")
        try Data("deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n".utf8).write(
            to: URL(fileURLWithPath: apt + "/sources.list"))
        #expect(BoxImages.defaultMirror(suite: "bookworm", aptRoot: apt) == "http://one.example/debian")
    }

    @Test("a process is named by its pid and start time: a reused pid is another process")
    func processIdentity() throws {
        let mine = try #require(ProcessIdentity.current(getpid()))
        #expect(mine.isAlive())
        #expect(!ProcessIdentity(pid: mine.pid, start: mine.start + 1).isAlive())
    }
}
