import Foundation

/// An exclusive flock on a file, held while one box (or the image store) is
/// changed. The kernel lets go when the holder dies, so a killed `corral box`
/// never leaves a box locked. Waiting polls (no thread blocks in flock).
final class BoxLock: @unchecked Sendable {
    private let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    static func acquire(_ path: String, timeout: Duration = .seconds(120)) async throws -> BoxLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BoxError.file(path: path, reason: BoxFiles.errnoReason()) }
        let deadline = ContinuousClock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = BoxFiles.errnoReason()
                close(fd)
                throw BoxError.file(path: path, reason: "cannot lock it: \(reason)")
            }
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw BoxError.timedOut("\(path) stayed locked by another corral box call for \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return BoxLock(fd: fd, path: path)
    }

    deinit { close(fd) }
}
