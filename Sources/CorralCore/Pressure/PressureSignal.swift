/// What woke the enforcer before its tick, with the figures it saw.
public struct PressureSignal: Sendable, Equatable {
    public enum Trigger: Sendable, Equatable {
        /// MemAvailable fell under the floor.
        case floor
        /// A PSI trigger fired on this file (`/proc/pressure/memory`, or a
        /// cgroup's `memory.pressure`).
        case stall(String)
    }

    public var trigger: Trigger
    /// When the watcher saw it (seconds on the monotonic clock).
    public var at: Double
    public var availableKb: UInt64
    /// Nil when no floor is set.
    public var floorKb: UInt64?
    /// The stall shares of the last 10 s, in percent, from `/proc/pressure/memory`.
    public var someAvg10: Double?
    public var fullAvg10: Double?

    public init(
        trigger: Trigger, at: Double, availableKb: UInt64, floorKb: UInt64?, someAvg10: Double? = nil, fullAvg10: Double? = nil
    ) {
        self.trigger = trigger
        self.at = at
        self.availableKb = availableKb
        self.floorKb = floorKb
        self.someAvg10 = someAvg10
        self.fullAvg10 = fullAvg10
    }

    /// True when MemAvailable was under the floor.
    public var underFloor: Bool {
        guard let floorKb else { return false }
        return availableKb < floorKb
    }

    /// In words, for the journal and the console.
    public var description: String {
        let mib = { (kb: UInt64) in "\(kb / 1024) MiB" }
        var words: String
        switch trigger {
        case .floor: words = "MemAvailable \(mib(availableKb)) under the floor \(floorKb.map(mib) ?? "?")"
        case .stall(let file):
            words = "memory stall on \(file); MemAvailable \(mib(availableKb))" + (floorKb.map { ", floor \(mib($0))" } ?? "")
        }
        if let some = someAvg10, let full = fullAvg10 {
            words += " (PSI some avg10 \(Self.percent(some))%, full avg10 \(Self.percent(full))%)"
        }
        return words
    }

    static func percent(_ v: Double) -> String {
        (v * 100).rounded() / 100 == v.rounded() ? String(Int(v.rounded())) : String((v * 100).rounded() / 100)
    }
}
