/// The ten-second stall shares of a PSI file (`/proc/pressure/memory`,
/// a cgroup's `memory.pressure`): "some" and "full", in percent.
public struct PressureStall: Sendable, Equatable {
    public var someAvg10: Double
    public var fullAvg10: Double

    public init(someAvg10: Double, fullAvg10: Double) {
        self.someAvg10 = someAvg10
        self.fullAvg10 = fullAvg10
    }

    /// Nil unless both lines carry avg10.
    public static func parse(_ text: String) -> PressureStall? {
        var some: Double?
        var full: Double?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first, let avg = words.first(where: { $0.hasPrefix("avg10=") }) else { continue }
            let value = Double(avg.dropFirst("avg10=".count))
            if kind == "some" { some = value } else if kind == "full" { full = value }
        }
        guard let some, let full else { return nil }
        return PressureStall(someAvg10: some, fullAvg10: full)
    }

    public static func read(_ path: String) -> PressureStall? {
        guard case .success(let bytes) = ProcFile.readAll(path, limit: 4096) else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self))
    }
}
