import Foundation

/// Waits for the host to settle before a timed measurement: starting hundreds
/// of containers leaves dockerd, containerd and their shims busy for a while
/// after the last start returns, and a sweep timed in that wake measures the
/// wake. Settled is one second in which the CPUs were busy less than
/// `busyBelow` of the time (from /proc/stat); the wait gives up after
/// `seconds` and says so, and the figure it measured is printed either way.
enum HostQuiet {
    static func wait(busyBelow: Double = 0.4, seconds: Int = 120, label: String) async {
        let started = ContinuousClock.now
        var busy = 1.0
        for _ in 0..<seconds {
            guard let before = cpuTimes() else { return }
            try? await Task.sleep(for: .seconds(1))
            guard let after = cpuTimes() else { return }
            let total = after.total - before.total
            busy = total > 0 ? Double((after.total - after.idle) - (before.total - before.idle)) / Double(total) : 0
            if busy < busyBelow {
                let waited = milliseconds(ContinuousClock.now - started) / 1000
                progress(String(format: "%@: the host settled after %.0f s (CPUs %.0f%% busy)", label, waited, busy * 100))
                return
            }
        }
        progress(String(format: "%@: the host did not settle within %d s (CPUs %.0f%% busy); measuring anyway", label, seconds, busy * 100))
    }

    /// All CPUs' time and their idle time (idle and iowait), in ticks.
    static func cpuTimes() -> (total: UInt64, idle: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        return (values.reduce(0, +), values[3] + values[4])
    }
}
