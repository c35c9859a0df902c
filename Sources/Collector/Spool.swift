// Collector: the enforcer's side of the log collector: a durable, bounded
// spool of memory and process records, the HTTP client of the collector's
// API, and the shipper that delivers the one through the other.

import CorralCore
import Foundation

/// An append-only spool on disk, one JSON Lines file per stream
/// (`memory.jsonl`, `process.jsonl`), fsync'd per append, with a durable
/// delivery cursor (`cursor.json`), so a record the enforcer produced survives
/// a crash or a collector that is down, and is delivered once it is up.
///
/// Bounded: a stream holds at most `maxRecords` undelivered records; past
/// that, `append` drops the oldest and returns how many, so the caller can say
/// so loudly. Delivered prefixes are compacted away.
public actor Spool {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case unwritable(path: String, reason: String)
        case unreadable(path: String, reason: String)
        public var description: String {
            switch self {
            case .unwritable(let path, let reason): return "cannot write the spool at \(path): \(reason)"
            case .unreadable(let path, let reason): return "cannot read the spool at \(path): \(reason)"
            }
        }
    }

    /// Its jobs run on a thread of its own: they fsync.
    private let executor = SpoolExecutor()
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Undelivered records, oldest first, as the JSON text of each line.
    public struct Batch: Sendable {
        public let stream: SpoolStream
        public let lines: [Data]
        /// The file offset after each line (the cursor once it is delivered).
        let ends: [UInt64]
        let inode: UInt64
        let start: UInt64
        /// Compactions of the stream before this batch was read: a batch read
        /// before a compaction no longer describes the file.
        let epoch: Int
    }

    /// Records dropped from one stream to keep it within its bound.
    public struct Dropped: Sendable, Equatable {
        public let stream: SpoolStream
        public let count: Int
        public let bound: Int

        public init(stream: SpoolStream, count: Int, bound: Int) {
            self.stream = stream
            self.count = count
            self.bound = bound
        }
    }

    public nonisolated let directory: String
    /// Undelivered records a stream may hold before the oldest are dropped.
    public nonisolated let maxRecords: Int
    /// A fully delivered file at least this big is truncated.
    let compactBytes: UInt64
    private let encoder: JSONEncoder
    private var cursor: SpoolCursor
    private var pending: [SpoolStream: Int] = [:]
    private var epochs: [SpoolStream: Int] = [:]
    /// What opening the spool had to repair (a damaged cursor, a torn last
    /// line), for the caller to report; empty when nothing.
    public private(set) var repairs: [String] = []

    public init(directory: String, maxRecords: Int = 100_000, compactBytes: UInt64 = 1 << 20) throws(Failure) {
        self.directory = directory
        self.maxRecords = max(maxRecords, 1)
        self.compactBytes = compactBytes
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritable(path: directory, reason: "\(error)")
        }
        let cursorPath = "\(directory)/cursor.json"
        let loaded = SpoolCursor.load(path: cursorPath)
        cursor = loaded.cursor
        if loaded.damaged {
            repairs.append("\(cursorPath) was unreadable: delivery restarts from the oldest record (the collector stores each id once)")
        }
        for stream in SpoolStream.allCases {
            let path = "\(directory)/\(stream.fileName)"
            unlink(path + ".tmp")
            if let torn = try Self.dropTornLine(path) {
                repairs.append("\(path): dropped \(torn) bytes of a record torn by a crash mid-write")
            }
            let identity = try SpoolFile.identity(path)
            var position = cursor.position(stream) ?? .init(inode: identity?.inode ?? 0, offset: 0)
            if let identity, identity.inode != position.inode || position.offset > identity.size {
                // Another file than the cursor's, or a shorter one: start over (resending is safe).
                position = .init(inode: identity.inode, offset: 0)
            } else if identity == nil {
                // No file yet: whatever the cursor said, the next one starts at 0.
                position = .init(inode: 0, offset: 0)
            }
            cursor.set(stream, position)
            pending[stream] = try Self.countLines(path, from: position.offset)
        }
    }

    public nonisolated var memoryPath: String { path(.memory) }
    public nonisolated var processPath: String { path(.process) }
    public nonisolated var cursorPath: String { "\(directory)/cursor.json" }
    public nonisolated func path(_ stream: SpoolStream) -> String { "\(directory)/\(stream.fileName)" }

    /// Undelivered records in `stream`.
    public func depth(_ stream: SpoolStream) -> Int { pending[stream] ?? 0 }

    /// Undelivered records in both streams.
    public func depth() -> Int { SpoolStream.allCases.reduce(0) { $0 + depth($1) } }

    /// Appends one cycle's records to both streams and flushes them to disk.
    /// Returns what had to be dropped to stay within the bound (usually nothing).
    @discardableResult
    public func append(memory: [MemoryRecord], processes: [ProcessRecord]) throws(Failure) -> [Dropped] {
        try append(memory, to: .memory)
        try append(processes, to: .process)
        var dropped: [Dropped] = []
        for stream in SpoolStream.allCases {
            let excess = depth(stream) - maxRecords
            if excess > 0 {
                try skip(excess, in: stream)
                dropped.append(Dropped(stream: stream, count: excess, bound: maxRecords))
            }
        }
        return dropped
    }

    /// The oldest undelivered records of `stream`: at most `maxRecords` and
    /// about `maxBytes` of text (always at least one record), or nil when
    /// everything is delivered.
    public func next(_ stream: SpoolStream, maxRecords: Int, maxBytes: Int = 4 << 20) throws(Failure) -> Batch? {
        guard depth(stream) > 0, let position = cursor.position(stream) else { return nil }
        let path = path(stream)
        var want = max(maxBytes, 4096)
        while true {
            let data = try SpoolFile.read(path, from: position.offset, maxBytes: want)
            var lines: [Data] = []
            var ends: [UInt64] = []
            var lineStart = data.startIndex
            var index = data.startIndex
            while index < data.endIndex, lines.count < max(maxRecords, 1) {
                if data[index] == 0x0A {
                    lines.append(data[lineStart..<index])
                    ends.append(position.offset + UInt64(index - data.startIndex + 1))
                    lineStart = index + 1
                }
                index += 1
            }
            if !lines.isEmpty {
                return Batch(
                    stream: stream, lines: lines, ends: ends, inode: position.inode, start: position.offset, epoch: epochs[stream] ?? 0)
            }
            if data.count < want { return nil }  // no complete line: nothing to send
            want *= 2  // one record longer than maxBytes
        }
    }

    /// Marks the first `count` records of `batch` delivered (the collector
    /// acknowledged them), durably, then compacts the file when worth it.
    public func acknowledge(_ batch: Batch, count: Int? = nil) throws(Failure) {
        let count = min(count ?? batch.lines.count, batch.lines.count)
        guard count > 0, var position = cursor.position(batch.stream), position.inode == batch.inode,
            batch.epoch == epochs[batch.stream] ?? 0, position.offset >= batch.start
        else { return }  // the file was compacted meanwhile: the records are resent, and stored once
        let end = batch.ends[count - 1]
        guard end > position.offset else { return }  // dropped meanwhile, already past it
        let delivered = count - Self.linesBetween(batch, position.offset)
        position.offset = end
        cursor.set(batch.stream, position)
        try cursor.save(path: cursorPath)
        pending[batch.stream] = max(0, depth(batch.stream) - delivered)
        try compactIfWorthIt(batch.stream)
    }

    /// Sets aside one record the collector refused as invalid (it would block
    /// every later one): appended to `<stream>.rejected.jsonl`, then acknowledged.
    public func reject(_ batch: Batch, at index: Int) throws(Failure) {
        guard batch.lines.indices.contains(index) else { return }
        var line = batch.lines[index]
        line.append(0x0A)
        try SpoolFile.append("\(directory)/\(batch.stream.rawValue).rejected.jsonl", line)
        try acknowledge(batch, count: index + 1)
    }

    // MARK: - Internals

    private func append<T: Encodable>(_ records: [T], to stream: SpoolStream) throws(Failure) {
        guard !records.isEmpty else { return }
        let path = path(stream)
        var data = Data()
        do {
            for record in records {
                data.append(try encoder.encode(record))
                data.append(0x0A)
            }
        } catch {
            throw .unwritable(path: path, reason: "encoding: \(error)")
        }
        try SpoolFile.append(path, data)
        if let identity = try SpoolFile.identity(path), var position = cursor.position(stream), position.inode != identity.inode {
            // The file was created by this append.
            position = .init(inode: identity.inode, offset: 0)
            cursor.set(stream, position)
        }
        pending[stream] = depth(stream) + records.count
    }

    /// Moves the cursor past the `count` oldest undelivered records.
    private func skip(_ count: Int, in stream: SpoolStream) throws(Failure) {
        guard var position = cursor.position(stream) else { return }
        var left = count
        var offset = position.offset
        let path = path(stream)
        while left > 0 {
            let data = try SpoolFile.read(path, from: offset, maxBytes: 1 << 20)
            if data.isEmpty { break }
            var consumed = 0
            for byte in data {
                consumed += 1
                if byte == 0x0A {
                    left -= 1
                    if left == 0 { break }
                }
            }
            offset += UInt64(consumed)
        }
        position.offset = offset
        cursor.set(stream, position)
        try cursor.save(path: cursorPath)
        pending[stream] = max(0, depth(stream) - (count - left))
        try compactIfWorthIt(stream)
    }

    /// A delivered prefix is removed: the whole file when all of it is
    /// delivered and it is big enough; otherwise once the prefix is most of a
    /// big file, by rewriting the rest into a new file. The cursor is saved
    /// first each time, so a crash between the two resends, never skips.
    private func compactIfWorthIt(_ stream: SpoolStream) throws(Failure) {
        guard var position = cursor.position(stream), position.offset > 0 else { return }
        let path = path(stream)
        guard let identity = try SpoolFile.identity(path), identity.inode == position.inode else { return }
        if position.offset == identity.size {
            guard identity.size >= compactBytes else { return }
            position.offset = 0
            cursor.set(stream, position)
            epochs[stream, default: 0] += 1
            try cursor.save(path: cursorPath)
            try SpoolFile.truncate(path)
            return
        }
        guard position.offset >= compactBytes * 8, position.offset * 2 >= identity.size else { return }
        let rest = try SpoolFile.read(path, from: position.offset, maxBytes: Int(identity.size - position.offset))
        let temporary = path + ".tmp"
        try SpoolFile.replace(temporary, with: rest)
        guard let fresh = try SpoolFile.identity(temporary) else { return }
        cursor.set(stream, .init(inode: fresh.inode, offset: 0))
        epochs[stream, default: 0] += 1
        try cursor.save(path: cursorPath)
        guard rename(temporary, path) == 0 else { throw .unwritable(path: path, reason: SpoolFile.reason()) }
        SpoolFile.syncDirectory(of: path)
    }

    private static func linesBetween(_ batch: Batch, _ offset: UInt64) -> Int {
        batch.ends.prefix { $0 <= offset }.count
    }

    private static func countLines(_ path: String, from offset: UInt64) throws(Failure) -> Int {
        var count = 0
        var at = offset
        while true {
            let data = try SpoolFile.read(path, from: at, maxBytes: 1 << 20)
            if data.isEmpty { return count }
            count += data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            at += UInt64(data.count)
        }
    }

    /// A crash in the middle of an append can leave a last line without its
    /// newline; it was never acknowledged to anyone, so it is cut off (else
    /// the next append would glue a record to it). Returns the bytes cut.
    private static func dropTornLine(_ path: String) throws(Failure) -> Int? {
        guard let identity = try SpoolFile.identity(path), identity.size > 0 else { return nil }
        let tailSize = UInt64(min(identity.size, 1 << 20))
        var scanned = UInt64(0)
        while scanned < identity.size {
            let chunk = min(tailSize, identity.size - scanned)
            let from = identity.size - scanned - chunk
            let data = try SpoolFile.read(path, from: from, maxBytes: Int(chunk))
            if scanned == 0, data.last == 0x0A { return nil }
            if let newline = data.lastIndex(of: 0x0A) {
                let keep = from + UInt64(newline - data.startIndex + 1)
                guard Foundation.truncate(path, off_t(keep)) == 0 else { throw .unwritable(path: path, reason: SpoolFile.reason()) }
                return Int(identity.size - keep)
            }
            scanned += chunk
        }
        guard Foundation.truncate(path, 0) == 0 else { throw .unwritable(path: path, reason: SpoolFile.reason()) }
        return Int(identity.size)
    }
}
