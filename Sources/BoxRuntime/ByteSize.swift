import Foundation

/// Sizes as people write them: 512M, 1G, 64k, 1048576 (bytes), binary units.
public enum ByteSize {
    public static func parse(_ text: String, what: String) throws(BoxError) -> Int64 {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var digits = trimmed
        var unit: Int64 = 1
        for (suffix, multiplier) in [("k", Int64(1) << 10), ("m", Int64(1) << 20), ("g", Int64(1) << 30), ("t", Int64(1) << 40)] {
            for form in [suffix + "ib", suffix + "b", suffix] where digits.hasSuffix(form) {
                digits = String(digits.dropLast(form.count))
                unit = multiplier
                break
            }
            if unit != 1 { break }
        }
        if unit == 1, digits.hasSuffix("b") { digits = String(digits.dropLast()) }
        guard let value = Double(digits), value > 0, value.isFinite, value * Double(unit) < 9e18 else {
            throw .invalid("\(what): '\(text)' is not a size; write a number of bytes or one with a unit: 64M, 1G, 512k")
        }
        return Int64(value * Double(unit))
    }

    /// 1073741824 -> "1G", 67108864 -> "64M", 1000 -> "1000B".
    public static func words(_ bytes: Int64) -> String {
        for (suffix, shift) in [("T", 40), ("G", 30), ("M", 20), ("K", 10)] {
            let unit = Int64(1) << shift
            if bytes >= unit {
                if bytes % unit == 0 { return "\(bytes / unit)\(suffix)" }
                let value = Double(bytes) / Double(unit)
                return value >= 10 ? "\(Int(value.rounded()))\(suffix)" : "\((value * 10).rounded() / 10)\(suffix)"
            }
        }
        return "\(bytes)B"
    }
}
