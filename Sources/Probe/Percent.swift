/// A percentage with two decimals, kept in hundredths so a document read and
/// written again says exactly what it said (the kernel prints these without
/// floating point).
public struct Percent: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hundredths: UInt64

    public init(hundredths: UInt64) {
        self.hundredths = hundredths
    }

    /// `numerator / denominator x 100`, rounded down to hundredths; 0 when the
    /// denominator is 0.
    public init(ratio numerator: UInt64, of denominator: UInt64) {
        guard denominator > 0 else {
            self.hundredths = 0
            return
        }
        let (product, overflow) = numerator.multipliedReportingOverflow(by: 10_000)
        self.hundredths = overflow ? UInt64(Double(numerator) * 10_000 / Double(denominator)) : product / denominator
    }

    public var value: Double { Double(hundredths) / 100 }

    /// `12.34`, `0.05`, `100.00`.
    public var description: String {
        let cents = hundredths % 100
        return "\(hundredths / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    public static func < (a: Percent, b: Percent) -> Bool { a.hundredths < b.hundredths }
}
