import Foundation

/// `print(..., to: &standardError)` for messages meant for a person, not a pipe.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
