import Actuation
import Foundation
import Settings

#if canImport(Glibc)
    import Glibc
#endif

/// One enforcer per state directory: an exclusive `flock` on a file in it,
/// held for the life of the process (the kernel lets go when it exits, however
/// it exits). Two enforcers on one spool would both kill, and compaction of the
/// spool by one could drop the other's appends.
public final class StateLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// The exit status of a second enforcer: EX_TEMPFAIL, try again later.
    public static let heldExitCode: Int32 = 75

    public struct Held: Error, Sendable, CustomStringConvertible {
        public let path: String
        /// The holder's pid as it wrote it; nil when it could not be read.
        public let holder: Int32?

        public var description: String {
            let who = holder.map { "pid \($0)" } ?? "another process"
            return
                "another corral enforce (\(who)) already runs on this state directory: it holds \(path); stop it first, or give this one its own --spool"
        }
    }

    public struct Failed: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot lock \(path): \(reason)" }
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes `directory/enforcer.lock` (creating the directory) and writes this
    /// process's pid in it, or throws ``Held`` naming the holder.
    public static func acquire(directory: String) throws -> StateLock {
        let path = (directory as NSString).appendingPathComponent("enforcer.lock")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failed(path: path, reason: "cannot create \(directory): \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failed(path: path, reason: String(cString: strerror(errno))) }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let why = errno
            let holder = readPid(fd)
            close(fd)
            if why == EWOULDBLOCK { throw Held(path: path, holder: holder) }
            throw Failed(path: path, reason: String(cString: strerror(why)))
        }
        let text = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return StateLock(path: path, descriptor: fd)
    }

    static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        close(descriptor)
    }
}
