// Journal: Corral's decisions to journald with structured fields (see the
// README's "Journal" section), or to stderr where no journal socket exists.

/// One journal entry: a message, a priority and structured fields.
public struct JournalEntry: Sendable, Equatable {
    /// syslog priorities as journald keeps them.
    public enum Priority: Int, Sendable {
        case error = 3
        case warning = 4
        case notice = 5
        case info = 6
        case debug = 7
    }

    public var message: String
    public var priority: Priority
    /// Upper-case field names (`CORRAL_EVENT`), in the order written.
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: JournalField
        public var value: String

        public init(_ name: JournalField, _ value: String) {
            self.name = name
            self.value = value
        }

        /// `CORRAL_EVENT=<event>`.
        public static func event(_ event: JournalEvent) -> Field { Field(.event, event.rawValue) }
    }

    public init(message: String, priority: Priority = .info, fields: [Field]) {
        self.message = message
        self.priority = priority
        self.fields = fields
    }

    public subscript(_ name: JournalField) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The entry's `CORRAL_EVENT`, when it is one Corral writes.
    public var event: JournalEvent? { self[.event].flatMap(JournalEvent.init(rawValue:)) }
}

/// Where entries go. The enforcer holds one; tests read what it wrote back
/// from journald itself.
public protocol JournalSink: Sendable {
    func write(_ entry: JournalEntry)
}
