import CorralTestSupport
import Foundation
import Testing

@testable import Probe

@Suite("corral sysinfo")
struct SysinfoCommandTests {
    let corral = ".build/debug/corral"

    @Test("auto falls back to procfs where the module is not loaded, and says so on stderr")
    func auto() throws {
        let result = try runCommand(corral, ["sysinfo", "--module-file", "/proc/sysinfo_corral_absent"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("procfs"))
        #expect(result.stderr.contains("/proc/sysinfo_corral_absent is absent"))
        let doc = try SysinfoReader.parse(Array(result.stdout.utf8))
        #expect(doc.source == .procfs)
    }

    @Test("the kernel source reads the module's file, and names it when it is missing")
    func kernel() throws {
        let fixture = repositoryRoot.appendingPathComponent("Tests/Unit/ProbeTests/Fixtures/kernel-two-containers.json").path
        let result = try runCommand(corral, ["sysinfo", "--source", "kernel", "--module-file", fixture, "--pretty"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try SysinfoReader.parse(Array(result.stdout.utf8)).containers.count == 2)

        let missing = try runCommand(corral, ["sysinfo", "--source", "kernel", "--module-file", "/proc/sysinfo_nope"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/proc/sysinfo_nope does not exist"))
        #expect(missing.stdout.isEmpty)
    }

    @Test("a malformed module file is an error naming the file and the byte")
    func malformed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json").path
        try Data(#"{"schema":"corral.sysinfo/v1","source":"kernel",}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try runCommand(corral, ["sysinfo", "--source", "kernel", "--module-file", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("at byte 48"))
    }
}
