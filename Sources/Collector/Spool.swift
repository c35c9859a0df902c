// Collector: the enforcer's side of the log collector: a durable local spool
// of memory and process records (and, with the collector issue, its shipper).

import CorralCore
import Foundation

/// An append-only spool on disk, one JSON Lines file per stream
/// (`memory.jsonl`, `process.jsonl`), fsync'd per append, so a record the
/// enforcer produced survives a crash or a collector that is down.
public actor Spool {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case unwritable(path: String, reason: String)
        public var description: String {
            switch self {
            case .unwritable(let path, let reason): return "cannot write the spool at \(path): \(reason)"
            }
        }
    }

    public nonisolated let directory: String
    private let encoder: JSONEncoder

    public init(directory: String) throws(Failure) {
        self.directory = directory
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory, reason: "\(error)")
        }
    }

    public nonisolated var memoryPath: String { "\(directory)/memory.jsonl" }
    public nonisolated var processPath: String { "\(directory)/process.jsonl" }

    /// Appends one cycle's records to both streams and flushes them to disk.
    public func append(memory: [MemoryRecord], processes: [ProcessRecord]) throws(Failure) {
        try append(memory, to: memoryPath)
        try append(processes, to: processPath)
    }

    private func append<T: Encodable>(_ records: [T], to path: String) throws(Failure) {
        guard !records.isEmpty else { return }
        var data = Data()
        do {
            for record in records {
                data.append(try encoder.encode(record))
                data.append(0x0A)
            }
        } catch {
            throw .unwritable(path: path, reason: "encoding: \(error)")
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let written = data.withUnsafeBytes { raw -> Int in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return -1
                }
                offset += n
            }
            return offset
        }
        guard written == data.count, fsync(fd) == 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
    }
}
