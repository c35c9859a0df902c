/// A store that could not do what was asked, with the database's own words
/// and the file it was working on.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// Opening or migrating the database failed.
    case open(path: String, message: String)
    /// A statement failed.
    case query(operation: String, message: String)
    /// Two transactions wrote the same unique key; this one lost.
    case conflict(operation: String, message: String)
    /// A row held something this version cannot read (a newer version's
    /// value, or a hand edit).
    case corrupt(table: String, id: String, message: String)
    /// The database was migrated by a newer Corral.
    case newerSchema(found: Int, known: Int)
    /// A call refused inside its transaction (rolled back): the message says why.
    case refused(String)

    public var description: String {
        switch self {
        case .open(let path, let message): return "cannot open the control store \(path): \(message)"
        case .query(let operation, let message), .conflict(let operation, let message):
            return "the control store failed to \(operation): \(message)"
        case .corrupt(let table, let id, let message): return "the control store's \(table) row \(id) cannot be read: \(message)"
        case .newerSchema(let found, let known):
            return "the control store is at schema version \(found), newer than this corral knows (\(known)); run the newer corral"
        case .refused(let message): return message
        }
    }
}
