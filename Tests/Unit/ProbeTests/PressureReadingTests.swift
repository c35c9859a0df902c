import CorralCore
import Probe
import Testing

/// What the pressure watcher reads: /proc/meminfo and a PSI file, as the
/// kernel writes them.
@Suite("Pressure readings")
struct PressureReadingTests {
    @Test("meminfo: MemTotal, MemFree and MemAvailable in KiB; used is total less available")
    func meminfo() throws {
        let text = "MemTotal:       24683520 kB\nMemFree:        21923124 kB\nMemAvailable:   23596560 kB\nBuffers:           1 kB\n"
        let memory = try #require(MemInfo.parse(Array(text.utf8)))
        #expect(memory == HostMemory(totalKb: 24_683_520, freeKb: 21_923_124, availableKb: 23_596_560, usedKb: 1_086_960))
    }

    @Test("meminfo without MemAvailable (a kernel before 3.14) is no reading, not zeros")
    func meminfoMissing() {
        #expect(MemInfo.parse(Array("MemTotal: 100 kB\nMemFree: 50 kB\n".utf8)) == nil)
        #expect(MemInfo.parse([]) == nil)
    }

    @Test("a PSI file's ten-second shares, some and full")
    func psi() throws {
        let text = """
            some avg10=3.25 avg60=1.00 avg300=0.20 total=35472
            full avg10=0.50 avg60=0.10 avg300=0.00 total=26541
            """
        #expect(PressureStall.parse(text) == PressureStall(someAvg10: 3.25, fullAvg10: 0.5))
        #expect(PressureStall.parse("some avg10=1.00 avg60=0 avg300=0 total=1\n") == nil, "a file without the full line is no reading")
    }
}
