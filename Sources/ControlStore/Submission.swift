import ControlAPI

/// What became of a client's create, stop or delete.
public enum Submission: Sendable, Equatable {
    /// Stored: the job will do it. `replayed` when an earlier create with
    /// the same idempotency key and body is being answered again.
    case accepted(JobAccepted, replayed: Bool)
    /// Too many jobs wait to be scheduled; try again after this long.
    case queueFull(waiting: Int, retryAfterSeconds: Int)
    /// The idempotency key was used before with another body.
    case idempotencyConflict(key: String)
    /// Another container has this name.
    case nameTaken(String)
    case notFound(container: String)
    /// The container is being deleted: nothing more can be asked of it.
    case beingDeleted(container: String)
}
