import Foundation

/// How far each spool file has been delivered: a byte offset into the file
/// with the identity (inode) of the file it belongs to. Written atomically
/// (temporary file, fsync, rename) after every acknowledged batch.
///
/// The rule that keeps delivery exactly-once: the cursor is always written
/// before the spool file is rewritten, so a crash between the two can only
/// make the shipper send records again (the collector stores each id once),
/// never skip one.
struct SpoolCursor: Codable, Equatable, Sendable {
    struct Position: Codable, Equatable, Sendable {
        var inode: UInt64
        var offset: UInt64
    }

    var positions: [String: Position] = [:]

    func position(_ stream: SpoolStream) -> Position? { positions[stream.rawValue] }

    mutating func set(_ stream: SpoolStream, _ position: Position) { positions[stream.rawValue] = position }

    /// The cursor at `path`; an absent file is the start of everything. A
    /// cursor that cannot be read also restarts from the beginning (resending
    /// is safe; skipping is not), and `damaged` says so.
    static func load(path: String) -> (cursor: SpoolCursor, damaged: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else { return (SpoolCursor(), false) }
        guard let cursor = try? JSONDecoder().decode(SpoolCursor.self, from: data) else { return (SpoolCursor(), true) }
        return (cursor, false)
    }

    func save(path: String) throws(Spool.Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw .unwritable(path: path, reason: "encoding: \(error)") }
        try SpoolFile.replace(path, with: data)
    }
}
