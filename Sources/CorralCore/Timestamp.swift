#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The one way Corral writes a moment in text: RFC 3339, UTC, milliseconds
/// (`2026-11-21T21:07:15.123Z`), as the collector's records and
/// `corral journal --json` carry it.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func rfc3339(_ date: Date) -> String {
        // To the nearest millisecond: the style truncates, and a Double's
        // .007 is .00699...
        date.addingTimeInterval(0.000_5).formatted(style)
    }
}
