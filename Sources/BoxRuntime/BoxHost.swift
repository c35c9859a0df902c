import Foundation

/// The boxes of one host: create, start, stop, remove, list, restore. Every
/// call takes the box's lock, first makes its record true (a box whose init
/// died is exited; leftovers of a call killed midway are found through the
/// box's cgroup and cleaned), then acts, writing state atomically. Several
/// processes (the CLI, the enforcer, an agent) may call at once.
public struct BoxHost: Sendable {
    public let paths: BoxPaths
    public let cgroups: BoxCgroups
    public var images: BoxImages { BoxImages(paths: paths) }

    public init(paths: BoxPaths = BoxPaths(), cgroups: BoxCgroups = BoxCgroups()) {
        self.paths = paths
        self.cgroups = cgroups
    }

    // MARK: Finding boxes

    /// The ids of every box (directories of 64 hex digits).
    public func ids() -> [String] {
        BoxFiles.children(of: paths.boxes).filter { $0.utf8.count == 64 && $0.utf8.allSatisfy(Self.isHex) }
    }

    private static func isHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) }

    func config(_ id: String) throws(BoxError) -> BoxConfig { try BoxFiles.readJSON(BoxConfig.self, from: paths.box(id).config) }

    func record(_ id: String) -> BoxRecord { (try? BoxFiles.readJSON(BoxRecord.self, from: paths.box(id).state)) ?? BoxRecord() }

    /// The box called `reference`: its exact name, its id, or a unique prefix of its id (4 or more digits).
    public func find(_ reference: String) throws(BoxError) -> BoxConfig {
        let configs = ids().compactMap { try? config($0) }
        if let byName = configs.first(where: { $0.name == reference }) { return byName }
        if let byID = configs.first(where: { $0.id == reference }) { return byID }
        if reference.utf8.count >= 4 {
            let matches = configs.filter { $0.id.hasPrefix(reference) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw .invalid("'\(reference)' is the start of \(matches.count) boxes' ids; give more of it") }
        }
        throw .noSuchBox(reference)
    }

    // MARK: Create

    /// Makes a box (not started): its settings, state and an ext4 disk of
    /// `limits.disk` bytes. The name is the box's hostname; nil picks one.
    public func create(
        name: String?, image: String, command: [String]? = nil, environment: [String] = [], labels: [String: String] = [:],
        limits: BoxLimits = BoxLimits(), network: BoxNetworkRequest? = nil
    ) async throws -> BoxConfig {
        let id = Self.newID()
        let name = name ?? "box-" + id.prefix(8)
        try BoxConfig.validate(name: name)
        for entry in environment where !entry.contains("=") || entry.hasPrefix("=") {
            throw BoxError.invalid("--env '\(entry)': write KEY=VALUE")
        }
        let limits = try limits.validated()
        let resolved = try images.resolve(image)
        try BoxFiles.makeDirectory(paths.root)
        try BoxFiles.makeDirectory(paths.boxes, mode: 0o700)
        let lock = try await BoxLock.acquire(paths.boxes + "/.lock")
        defer { withExtendedLifetime(lock) {} }
        try clearAbandoned()
        let others = ids().compactMap { try? config($0) }
        if others.contains(where: { $0.name == name }) { throw BoxError.nameTaken(name) }
        let made = BoxConfig(
            id: id, name: name, image: image, imageDigest: resolved.digest,
            command: command.flatMap { $0.isEmpty ? nil : $0 } ?? BoxConfig.defaultCommand, environment: environment, labels: labels,
            limits: limits, network: try network.map { request throws(BoxError) in try BoxNetwork.place(request, among: others) },
            createdAt: Date().timeIntervalSince1970)
        // Made aside and renamed into place whole: a create killed midway
        // leaves a .creating-* directory the next create deletes.
        let work = BoxDirectory(path: paths.boxes + "/.creating-" + id)
        try BoxFiles.makeDirectory(work.path, mode: 0o700)
        do {
            try BoxFiles.writeJSON(made, to: work.config)
            try BoxFiles.writeJSON(BoxRecord(), to: work.state)
            for directory in [work.diskMount, work.rootfs] { try BoxFiles.makeDirectory(directory) }
            try await makeDisk(work.disk, bytes: limits.disk)
            guard rename(work.path, paths.box(id).path) == 0 else {
                throw BoxError.file(path: paths.box(id).path, reason: BoxFiles.errnoReason())
            }
        } catch {
            try? BoxFiles.removeTree(work.path)
            throw error
        }
        return made
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// A sparse file of `bytes` holding an empty ext4 file system.
    private func makeDisk(_ path: String, bytes: Int64) async throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BoxError.file(path: path, reason: BoxFiles.errnoReason()) }
        let sized = ftruncate(fd, off_t(bytes))
        let reason = BoxFiles.errnoReason()
        close(fd)
        guard sized == 0 else { throw BoxError.file(path: path, reason: "cannot size it to \(ByteSize.words(bytes)): \(reason)") }
        guard let mkfs = BoxTools.find("mkfs.ext4") else {
            throw BoxError.command("mkfs.ext4", reason: "not installed; apt-get install -y e2fsprogs")
        }
        // No blocks reserved for root (the box's root is the only user); inode
        // tables and the journal initialised lazily, so a box is made in milliseconds.
        let result = await BoxTools.run(mkfs, ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=1,lazy_journal_init=1", path])
        guard result.status == 0 else { throw BoxError.command("mkfs.ext4 \(path)", reason: result.output) }
    }

    /// Removes what a create or remove killed midway left (its half-made or half-removed directory).
    public func sweep() async throws {
        guard BoxFiles.exists(paths.boxes) else { return }
        let lock = try await BoxLock.acquire(paths.boxes + "/.lock")
        defer { withExtendedLifetime(lock) {} }
        try clearAbandoned()
    }

    /// Directories a create or remove killed midway left behind (called with boxes/.lock held).
    private func clearAbandoned() throws(BoxError) {
        for entry in BoxFiles.children(of: paths.boxes) where entry.hasPrefix(".creating-") || entry.hasPrefix(".removing-") {
            try BoxFiles.removeTree(paths.boxes + "/" + entry)
        }
    }

    // MARK: State kept true

    /// The box's record made true: a running box whose init is gone is
    /// exited with the status its init wrote (or unknown: killed with it),
    /// oom-killed when its memory cgroup says so; its cgroups are removed.
    /// Called with the box's lock held.
    func refreshed(_ id: String) async -> BoxRecord {
        var record = record(id)
        guard record.phase == .running else { return record }
        if let pid = record.pid, let start = record.pidStart, ProcessIdentity(pid: pid, start: start).isAlive() { return record }
        let directory = paths.box(id)
        let exit = BoxFiles.text(directory.exit).flatMap(ExitRecord.init)
        record.phase = .exited
        record.exitCode = exit?.code
        record.signal = exit?.signal
        record.oomKilled = cgroups.oomKills(of: id) > 0
        record.finishedAt = Date().timeIntervalSince1970
        record.pid = nil
        record.pidStart = nil
        // The command ended by itself: nothing to restore. No record: the box
        // was killed with its init (a reboot, kill -9), and restore brings it back.
        if exit != nil { record.wantsRunning = false }
        try? await clearLeftovers(id)
        try? BoxFiles.writeJSON(record, to: directory.state)
        return record
    }

    /// Everything of the box that might still run after a call was killed
    /// midway (an init whose start was never recorded): killed, its cgroups
    /// removed. Its mounts and loop device live only in its mount namespace
    /// and go with its last process.
    func clearLeftovers(_ id: String, releasingBridge: Bool = true) async throws(BoxError) {
        if cgroups.exists(id) {
            cgroups.killAll(id)
            try await cgroups.remove(id)
        }
        if let network = (try? config(id))?.network { await BoxBridge.detach(id: id, network: network, releasingBridge: releasingBridge) }
    }

    /// The box as it is now.
    public func inspect(_ reference: String) async throws -> Box {
        let config = try find(reference)
        let lock = try await BoxLock.acquire(paths.box(config.id).lock)
        defer { withExtendedLifetime(lock) {} }
        return Box(config: config, record: await refreshed(config.id))
    }

    /// Every box, its record made true, by name.
    public func list() async -> [Box] {
        var boxes: [Box] = []
        for id in ids() {
            guard let config = try? config(id) else { continue }
            let record: BoxRecord
            if let lock = try? await BoxLock.acquire(paths.box(id).lock, timeout: .seconds(5)) {
                record = await refreshed(id)
                withExtendedLifetime(lock) {}
            } else {
                record = self.record(id)
            }
            boxes.append(Box(config: config, record: record))
        }
        return boxes.sorted { $0.name < $1.name }
    }

    // MARK: Start, stop, remove

    /// Starts the box's init and command; a running box is left as it is.
    @discardableResult
    public func start(_ reference: String) async throws -> Box {
        let config = try find(reference)
        let id = config.id
        let directory = paths.box(id)
        let lock = try await BoxLock.acquire(directory.lock)
        defer { withExtendedLifetime(lock) {} }
        var record = await refreshed(id)
        if record.phase == .running { return Box(config: config, record: record) }
        try await clearLeftovers(id, releasingBridge: false)
        let lower = images.rootfs(config.imageDigest)
        guard BoxFiles.exists(lower) else {
            throw BoxError.file(path: lower, reason: "box \(config.name)'s image \(config.image) is gone; build it again")
        }
        let helper = try BoxHelper.locate()
        try cgroups.create(id, limits: config.limits)
        for path in [directory.diskMount, directory.rootfs] { try BoxFiles.makeDirectory(path) }
        try BoxFiles.replace(directory.exit, with: Data())
        var arguments = [
            "start", "--lower", lower, "--disk", directory.disk, "--disk-mount", directory.diskMount, "--root", directory.rootfs,
            "--hostname", config.hostname, "--log", directory.log, "--status", directory.exit,
        ]
        for cgroup in cgroups.directories(of: id) { arguments += ["--cgroup", cgroup] }
        for entry in config.environment { arguments += ["--env", entry] }
        if let network = config.network {
            do {
                try await BoxBridge.attach(id: id, network: network)
            } catch {
                try? await clearLeftovers(id)
                throw error
            }
            let subnet = try IPv4Subnet(network.subnet)
            arguments += [
                "--net-link", BoxNetwork.peerLink(of: id), "--net-address", "\(network.address)/\(subnet.prefix)",
                "--net-gateway", subnet.gateway.description,
            ]
        }
        arguments += ["--"] + config.command
        let result = await BoxTools.run(helper, arguments)
        let lines = result.output.split(separator: "\n").map(String.init)
        let pid = lines.first { $0.hasPrefix("pid ") }.flatMap { Int32($0.dropFirst(4)) }
        guard result.status == 0, lines.contains("ready"), let pid else {
            let reason = lines.first { $0.hasPrefix("error ") }.map { String($0.dropFirst(6)) } ?? result.output
            try? await clearLeftovers(id)
            throw BoxError.startFailed(box: config.name, reason: reason.isEmpty ? "the helper exited \(result.status)" : reason)
        }
        let identity = ProcessIdentity.current(pid)
        record = BoxRecord(
            phase: .running, pid: pid, pidStart: identity?.start ?? 0, startedAt: Date().timeIntervalSince1970, wantsRunning: true)
        try BoxFiles.writeJSON(record, to: directory.state)
        return Box(config: config, record: record)
    }

    /// SIGTERM to the box's init (which hands it to the command), SIGKILL to
    /// the whole box after `grace`; then its cgroups go. The disk and the
    /// settings stay. Stopping a box that is not running is not an error.
    @discardableResult
    public func stop(_ reference: String, grace: Duration = .seconds(10)) async throws -> Box {
        let config = try find(reference)
        let lock = try await BoxLock.acquire(paths.box(config.id).lock)
        defer { withExtendedLifetime(lock) {} }
        return Box(config: config, record: try await stopLocked(config, grace: grace))
    }

    private func stopLocked(_ config: BoxConfig, grace: Duration) async throws -> BoxRecord {
        let id = config.id
        var record = record(id)
        if record.phase == .running, let pid = record.pid, let start = record.pidStart {
            let identity = ProcessIdentity(pid: pid, start: start)
            if identity.isAlive() {
                if grace > .zero {
                    kill(pid, SIGTERM)
                    try await waitForExit(identity, atMost: grace)
                }
                if identity.isAlive() {
                    kill(pid, SIGKILL)
                    try await waitForExit(identity, atMost: .seconds(10))
                    if identity.isAlive() { throw BoxError.timedOut("box \(config.name)'s init (pid \(pid)) outlived SIGKILL for 10 s") }
                }
            }
            let exit = BoxFiles.text(paths.box(id).exit).flatMap(ExitRecord.init)
            record.exitCode = exit?.code
            record.signal = exit?.signal
            record.oomKilled = cgroups.oomKills(of: id) > 0
            record.finishedAt = Date().timeIntervalSince1970
        }
        try await clearLeftovers(id)
        if record.phase != .created { record.phase = .stopped }
        record.pid = nil
        record.pidStart = nil
        record.wantsRunning = false
        try BoxFiles.writeJSON(record, to: paths.box(id).state)
        return record
    }

    private func waitForExit(_ identity: ProcessIdentity, atMost limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while identity.isAlive(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Destroys the box: processes (with `force`; a running box is refused
    /// otherwise), cgroups, disk, settings, log.
    public func remove(_ reference: String, force: Bool = false) async throws {
        let config = try find(reference)
        let id = config.id
        let lock = try await BoxLock.acquire(paths.box(id).lock)
        defer { withExtendedLifetime(lock) {} }
        let record = await refreshed(id)
        if record.phase == .running {
            guard force else { throw BoxError.wrongState("box \(config.name) is running; stop it first, or remove it with --force") }
            _ = try await stopLocked(config, grace: .zero)
        }
        try await clearLeftovers(id)
        // Renamed aside first: from here the box is gone for every other call,
        // and a remove killed midway leaves a .removing-* directory the next create deletes.
        let doomed = paths.boxes + "/.removing-" + id
        guard rename(paths.box(id).path, doomed) == 0 else { throw BoxError.file(path: paths.box(id).path, reason: BoxFiles.errnoReason()) }
        try BoxFiles.removeTree(doomed)
    }

    /// Sends `signal` to the box's init, which hands it to the command.
    public func signal(_ reference: String, _ signal: Int32) async throws {
        let box = try await inspect(reference)
        guard box.isRunning, let pid = box.record.pid else {
            throw BoxError.wrongState("box \(box.name) is not running (\(box.record.words))")
        }
        guard kill(pid, signal) == 0 else { throw BoxError.wrongState("box \(box.name): kill \(signal): \(BoxFiles.errnoReason())") }
    }

    /// Waits until the box is no longer running; its record then.
    public func wait(_ reference: String, poll: Duration = .milliseconds(50)) async throws -> Box {
        while true {
            let box = try await inspect(reference)
            if !box.isRunning { return box }
            try await Task.sleep(for: poll)
        }
    }

    // MARK: Restore

    /// Starts every box that was running when the host went down (its
    /// record says it should run, and its init is gone): each one's outcome.
    public func restore() async -> [(name: String, outcome: Result<Box, BoxError>)] {
        var outcomes: [(String, Result<Box, BoxError>)] = []
        for box in await list() where box.record.wantsRunning && !box.isRunning {
            do {
                outcomes.append((box.name, .success(try await start(box.id))))
            } catch let error as BoxError {
                outcomes.append((box.name, .failure(error)))
            } catch {
                outcomes.append((box.name, .failure(.command("start", reason: "\(error)"))))
            }
        }
        return outcomes
    }

    // MARK: Exec

    /// The helper's arguments that run `command` inside the running box:
    /// its namespaces, its root, its cgroups, its environment.
    public func execArguments(_ reference: String, command: [String], environment: [String] = []) async throws -> [String] {
        let box = try await inspect(reference)
        guard box.isRunning, let pid = box.record.pid else {
            throw BoxError.wrongState("box \(box.name) is not running (\(box.record.words)); corral box start \(box.name)")
        }
        guard !command.isEmpty else { throw BoxError.invalid("give the command to run after --") }
        var arguments = [try BoxHelper.locate(), "exec", "--pid", String(pid)]
        for cgroup in cgroups.directories(of: box.id) { arguments += ["--cgroup", cgroup] }
        for entry in box.config.environment + environment { arguments += ["--env", entry] }
        return arguments + ["--"] + command
    }

    /// Where the box's command writes.
    public func logPath(_ reference: String) throws(BoxError) -> String { paths.box(try find(reference).id).log }
}
