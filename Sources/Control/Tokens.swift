import Foundation
import SystemPackage

/// The bearer tokens: made at first start (32 random bytes in hex), kept in
/// files only their owner reads (0600), read again at every start.
public enum Tokens {
    /// The token in `path`, made first if the file does not exist.
    public static func ensure(at path: String) throws(TokenError) -> String {
        if let existing = try read(path) { return existing }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in hex(UInt8.random(in: 0...255, using: &generator)) }.joined()
        do {
            let fd = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
            try fd.closeAfter { _ = try fd.writeAll(Array((token + "\n").utf8)) }
        } catch Errno.fileExists {
            // Another process made it first: use theirs.
            if let existing = try read(path) { return existing }
            throw .unreadable(path: path, reason: "it was created empty")
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        return token
    }

    /// Writes `token` to `path` (0600), replacing what was there in one step.
    public static func replace(at path: String, with token: String) throws(TokenError) {
        let temporary = path + ".new"
        do {
            _ = try? FileManager.default.removeItem(atPath: temporary)
            let fd = try FileDescriptor.open(
                FilePath(temporary), .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
            try fd.closeAfter { _ = try fd.writeAll(Array((token + "\n").utf8)) }
            guard rename(temporary, path) == 0 else { throw Errno(rawValue: errno) }
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
    }

    /// The token in `path`, or nil when there is no such file.
    public static func read(_ path: String) throws(TokenError) -> String? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly)
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        var bytes: [UInt8] = []
        do {
            try fd.closeAfter {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try fd.read(into: $0) }
                    if count == 0 { break }
                    bytes += buffer[0..<count]
                }
            }
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        let token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .unreadable(path: path, reason: "it is empty") }
        return token
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}

/// A token file that could not be made or read.
public enum TokenError: Error, Sendable, CustomStringConvertible {
    case unwritable(path: String, reason: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unwritable(let path, let reason): return "cannot write the token file \(path): \(reason)"
        case .unreadable(let path, let reason): return "cannot read the token file \(path): \(reason)"
        }
    }
}
