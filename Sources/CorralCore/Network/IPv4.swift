/// An IPv4 address as its 32-bit value.
public struct IPv4: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32

    public init(value: UInt32) { self.value = value }

    /// Dotted quad; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let byte = UInt32(part), byte <= 255
            else { return nil }
            value = value << 8 | byte
        }
        self.value = value
    }

    public var description: String { "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)" }

    public static func < (lhs: IPv4, rhs: IPv4) -> Bool { lhs.value < rhs.value }
}
