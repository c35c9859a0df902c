/// Which containers a pressure cycle may remove beyond the plan's own
/// surplus while MemAvailable stays under the floor (`pressure_policy`).
public enum PressurePolicy: String, Sendable, Equatable, CaseIterable {
    /// Only high-class containers beyond the kept ones (those the plan
    /// throttles rather than removes), heaviest first.
    case surplus
    /// Those first, then the kept high-class containers, heaviest first: the
    /// policy's mix gives way to the host's memory.
    case kept
}
