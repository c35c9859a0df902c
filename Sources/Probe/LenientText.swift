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
            if let (scalar, length) = UTF8Sequence.scalar(in: array, at: i) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(array[i]))
                i += 1
            }
        }
        return String(scalars)
    }
}
