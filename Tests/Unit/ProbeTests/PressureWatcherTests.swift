import CorralCore
import Foundation
import Probe
import Synchronization
import Testing

/// The watcher's thread against a /proc of its own (a directory whose
/// meminfo the test rewrites): it speaks at a crossing, again while memory
/// stays under, and not at all above the floor.
@Suite("The pressure watcher")
struct PressureWatcherTests {
    final class Heard: Sendable {
        let signals = Mutex<[PressureSignal]>([])
        var count: Int { signals.withLock { $0.count } }
    }

    static func meminfo(_ root: String, availableMiB: UInt64) throws {
        let text = "MemTotal: \(8192 * 1024) kB\nMemFree: \(availableMiB * 1024) kB\nMemAvailable: \(availableMiB * 1024) kB\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/meminfo"), options: .atomic)
    }

    static func until(_ what: String, seconds: Double = 10, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A /proc of the test's own, with only a meminfo, removed afterwards.
    static func withProc(_ body: (String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await body(root)
    }

    @Test("a crossing is said at once, with the figures; under the floor again each second; above it, nothing")
    func crossing() async throws {
        try await Self.withProc { root in
            try Self.meminfo(root, availableMiB: 4096)
            var settings = PressureWatcher.Settings()
            settings.procRoot = root
            settings.floor = .mebibytes(1024)
            settings.stallMicroseconds = nil
            let heard = Heard()
            let watcher = PressureWatcher(settings: settings) { signal in heard.signals.withLock { $0.append(signal) } }
            #expect(watcher.start().isEmpty)
            defer { watcher.stop() }

            try Self.meminfo(root, availableMiB: 900)
            try await Self.until("the crossing") { heard.count >= 1 }
            let first = try #require(heard.signals.withLock { $0.first })
            #expect(first.trigger == .floor && first.availableKb == 900 * 1024 && first.floorKb == 1024 * 1024)
            try await Self.until("said again while under") { heard.count >= 2 }

            try Self.meminfo(root, availableMiB: 4096)
            let above = heard.count
            try await Task.sleep(for: .milliseconds(1500))
            #expect(heard.count <= above + 1, "above the floor it is quiet (one said just before may land)")
            let quiet = heard.count
            try Self.meminfo(root, availableMiB: 800)
            try await Self.until("a fresh crossing, at once") { heard.count > quiet }
        }
    }

    @Test("a PSI file it cannot write a trigger to is named, and the floor still works")
    func noTrigger() async throws {
        try await Self.withProc { root in
            try Self.meminfo(root, availableMiB: 512)
            var settings = PressureWatcher.Settings()
            settings.procRoot = root
            settings.floor = .mebibytes(1024)
            let heard = Heard()
            let watcher = PressureWatcher(settings: settings) { signal in heard.signals.withLock { $0.append(signal) } }
            let notes = watcher.start()
            defer { watcher.stop() }
            #expect(notes.count == 1 && notes.first?.hasPrefix("no PSI trigger on \(root)/pressure/memory: ") == true, "\(notes)")
            try await Self.until("the floor, without PSI") { heard.count >= 1 }
        }
    }
}
