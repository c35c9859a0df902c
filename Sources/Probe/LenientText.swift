/// Bytes from the kernel (argv, comm) as text, the way the module writes them:
/// well-formed UTF-8 stays as it is, and every byte that is not part of a
/// well-formed sequence becomes the code point of the same number
/// (U+0080..U+00FF), so nothing is dropped and the result is always valid.
enum LenientText {
    static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let array = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < array.count {
            let lead = array[i]
            if lead < 0x80 {
                scalars.append(Unicode.Scalar(lead))
                i += 1
                continue
            }
            if let (scalar, length) = sequence(array, at: i) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(lead))
                i += 1
            }
        }
        return String(scalars)
    }

    private static func sequence(_ bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[i]
        let length: Int
        var code: UInt32
        let lowest: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; code = UInt32(lead & 0x1F); lowest = 0x80
        case 0xE0...0xEF: length = 3; code = UInt32(lead & 0x0F); lowest = 0x800
        case 0xF0...0xF4: length = 4; code = UInt32(lead & 0x07); lowest = 0x10000
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        for k in 1..<length {
            let byte = bytes[i + k]
            guard byte & 0xC0 == 0x80 else { return nil }
            code = code << 6 | UInt32(byte & 0x3F)
        }
        guard code >= lowest, code <= 0x10FFFF, !(0xD800...0xDFFF).contains(code), let scalar = Unicode.Scalar(code) else { return nil }
        return (scalar, length)
    }
}
