import Testing

/// Suites that load the host (stress containers, the generator, crontab)
/// nest here so they run one at a time: a CPU measurement must not share the
/// two cores with ten freshly generated containers.
@Suite("End to end, against the real host", .serialized)
enum EndToEnd {}
