import Foundation
import Journal

/// A journal that keeps what it is given, for the unit tier.
public final class InMemoryJournal: JournalSink, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [JournalEntry] = []

    public init() {}

    public func write(_ entry: JournalEntry) {
        lock.withLock { kept.append(entry) }
    }

    public var entries: [JournalEntry] { lock.withLock { kept } }

    /// The CORRAL_EVENT of every entry, in order.
    public var events: [String] { entries.compactMap { $0[.event] } }
}
