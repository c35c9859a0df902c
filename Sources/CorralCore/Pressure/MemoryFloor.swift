/// The MemAvailable under which the enforcer relieves memory pressure
/// (`memory_floor`): a share of the host's memory, a size, or off.
public enum MemoryFloor: Sendable, Equatable, CustomStringConvertible {
    case off
    /// Of MemTotal, from above 0 to 90.
    case percent(Double)
    case mebibytes(Double)

    /// Spelled as the setting is: "5%", "512MiB", "2GiB", or "0" (off).
    public init?(_ text: String) {
        let t = Self.trimmed(Substring(text))
        if t == "0" || t == "off" {
            self = .off
            return
        }
        for (suffix, scale) in [("%", -1.0), ("MiB", 1.0), ("GiB", 1024.0)] where t.hasSuffix(suffix) {
            guard let value = Double(Self.trimmed(t.dropLast(suffix.count))), value.isFinite, value > 0 else {
                return nil
            }
            self = scale < 0 ? .percent(value) : .mebibytes(value * scale)
            return
        }
        return nil
    }

    /// The floor in KiB on a host with `totalKb` of memory; nil when off.
    public func kilobytes(totalKb: UInt64) -> UInt64? {
        switch self {
        case .off: return nil
        case .percent(let p): return UInt64(Double(totalKb) * p / 100)
        case .mebibytes(let m): return UInt64(m * 1024)
        }
    }

    public var description: String {
        switch self {
        case .off: return "0"
        case .percent(let p): return "\(Self.number(p))%"
        case .mebibytes(let m): return "\(Self.number(m))MiB"
        }
    }

    static func trimmed(_ text: Substring) -> Substring {
        var s = text
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }

    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
