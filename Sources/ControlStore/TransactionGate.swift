/// One transaction at a time on the store's connection: SQLite runs one
/// writer anyway, and statements of two tasks on one connection would
/// otherwise land inside each other's transaction. Waiters go in order.
actor TransactionGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func leave() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
