/// What the enforcer turns off when it stops (the `generator` setting).
public enum GeneratorMode: String, Sendable, CaseIterable {
    /// The crontab lines when there are any, and the timer under systemd.
    case auto
    case cron
    case timer
    /// Leave the generator alone.
    case none
}
