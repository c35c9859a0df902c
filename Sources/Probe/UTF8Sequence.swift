/// One well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), shared by the strict JSON reader
/// (which refuses anything else) and the lenient text decoder (which keeps
/// anything else as single bytes).
enum UTF8Sequence {
    /// The scalar at `index` and the number of bytes it takes, or nil when
    /// the bytes there are not a well-formed sequence.
    static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int
        var code: UInt32
        let lowest: UInt32
        switch lead {
        case 0xC2...0xDF:
            length = 2
            code = UInt32(lead & 0x1F)
            lowest = 0x80
        case 0xE0...0xEF:
            length = 3
            code = UInt32(lead & 0x0F)
            lowest = 0x800
        case 0xF0...0xF4:
            length = 4
            code = UInt32(lead & 0x07)
            lowest = 0x10000
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for k in 1..<length {
            let byte = bytes[index + k]
            guard byte & 0xC0 == 0x80 else { return nil }
            code = code << 6 | UInt32(byte & 0x3F)
        }
        guard code >= lowest, code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code), let scalar = Unicode.Scalar(code) else { return nil }
        return (scalar, length)
    }
}
