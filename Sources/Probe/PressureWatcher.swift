import CorralCore

#if canImport(Glibc)
    import Glibc
#endif

/// Watches the host's memory from a thread of its own and says at once when
/// the enforcer should act before its tick: MemAvailable under the floor
/// (read at a cadence that quickens as it nears the floor), or a PSI trigger
/// firing (registered on each pressure file and waited for with poll(2)).
/// While memory stays under the floor it says so again every
/// `repeatSeconds`, or sooner (after `worseSeconds`) when MemAvailable has
/// fallen another `worseKb` since it last spoke; a fresh crossing is said at
/// once.
public final class PressureWatcher: @unchecked Sendable {
    public struct Settings: Sendable, Equatable {
        public var procRoot = "/proc"
        public var floor = MemoryFloor.off
        /// A PSI trigger fires when tasks stalled on memory this long within
        /// `windowMicroseconds`; nil: no triggers.
        public var stallMicroseconds: Int? = 200_000
        /// Two seconds: the kernel takes shorter windows only from a process
        /// with CAP_SYS_RESOURCE in the host's namespace, which a container's
        /// root lacks; unprivileged triggers need a multiple of two seconds.
        public var windowMicroseconds = 2_000_000
        /// PSI files besides `<procRoot>/pressure/memory` (a v2 cgroup's `memory.pressure`).
        public var cgroupFiles: [String] = []
        public var cadence = PollCadence()
        public var repeatSeconds = 1.0
        /// 64 MiB: a new burst under a floor that is already crossed.
        public var worseKb: UInt64 = 64 * 1024
        public var worseSeconds = 0.25

        public init() {}

        public var systemFile: String { "\(procRoot)/pressure/memory" }
    }

    public let settings: Settings
    private let post: @Sendable (PressureSignal) -> Void
    private var thread: pthread_t?
    private var wake: (read: Int32, write: Int32) = (-1, -1)
    private var triggers: [(fd: Int32, path: String)] = []

    public init(settings: Settings, post: @escaping @Sendable (PressureSignal) -> Void) {
        self.settings = settings
        self.post = post
    }

    /// Registers the triggers and starts the thread. Returns a sentence per
    /// trigger that could not be registered (the floor still works).
    public func start() -> [String] {
        var notes: [String] = []
        if let stall = settings.stallMicroseconds {
            for path in [settings.systemFile] + settings.cgroupFiles {
                let registered = Self.register(path, stall: stall, window: settings.windowMicroseconds)
                if let fd = registered.fd {
                    triggers.append((fd, path))
                } else {
                    notes.append("no PSI trigger on \(path): \(registered.why)")
                }
            }
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            return notes + ["the pressure watcher could not start: pipe: \(String(cString: strerror(errno)))"]
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wake = (fds[0], fds[1])
        let box = Unmanaged.passRetained(self)
        var handle = pthread_t()
        let created = pthread_create(
            &handle, nil,
            { raw in
                guard let raw else { return nil }
                let watcher = Unmanaged<PressureWatcher>.fromOpaque(raw).takeRetainedValue()
                watcher.loop()
                return nil
            }, box.toOpaque())
        guard created == 0 else {
            box.release()
            return notes + ["the pressure watcher could not start: pthread_create: \(created)"]
        }
        thread = handle
        return notes
    }

    /// Stops the thread and closes every descriptor.
    public func stop() {
        guard let thread else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        pthread_join(thread, nil)
        self.thread = nil
        for fd in [wake.read, wake.write] + triggers.map(\.fd) { close(fd) }
        triggers = []
    }

    /// Writes a trigger ("some <stall> <window>") to a PSI file held open
    /// for writing: the kernel then flags POLLPRI on it.
    static func register(_ path: String, stall: Int, window: Int) -> (fd: Int32?, why: String) {
        let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return (nil, String(cString: strerror(errno))) }
        let trigger = Array("some \(stall) \(window)".utf8) + [0]
        let written = trigger.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == trigger.count else {
            let why = String(cString: strerror(errno))
            close(fd)
            return (nil, "writing the trigger 'some \(stall) \(window)': \(why)")
        }
        return (fd, "")
    }

    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func loop() {
        var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        fds += triggers.map { pollfd(fd: $0.fd, events: Int16(POLLPRI), revents: 0) }
        var paths = [""] + triggers.map(\.path)
        var lastSaid = -Double.infinity
        var lastSaidKb = UInt64.max
        var wasUnder = false
        while true {
            let memory = try? MemInfo.read(procRoot: settings.procRoot)
            let floorKb = memory.flatMap { settings.floor.kilobytes(totalKb: $0.totalKb) }
            let now = Self.monotonic()
            if let memory, let floorKb, memory.availableKb < floorKb {
                let worse = lastSaidKb > settings.worseKb && memory.availableKb <= lastSaidKb - settings.worseKb
                let since = now - lastSaid
                if !wasUnder || (worse && since >= settings.worseSeconds) || since >= settings.repeatSeconds {
                    say(.floor, memory: memory, floorKb: floorKb, at: now)
                    lastSaid = now
                    lastSaidKb = memory.availableKb
                }
                wasUnder = true
            } else {
                wasUnder = false
                lastSaidKb = .max
            }
            let wait = settings.cadence.wait(availableKb: memory?.availableKb ?? 0, floorKb: memory == nil ? nil : floorKb)
            for i in fds.indices { fds[i].revents = 0 }
            let ready = poll(&fds, nfds_t(fds.count), Int32((wait * 1000).rounded(.up)))
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[0].revents != 0 { return }
            var gone: [Int] = []
            for i in fds.indices.dropFirst() where fds[i].revents != 0 {
                if fds[i].revents & Int16(POLLERR) != 0 {
                    gone.append(i)  // the cgroup was removed
                    continue
                }
                let at = Self.monotonic()
                guard at - lastSaid >= settings.repeatSeconds, let memory = try? MemInfo.read(procRoot: settings.procRoot) else { continue }
                say(.stall(paths[i]), memory: memory, floorKb: settings.floor.kilobytes(totalKb: memory.totalKb), at: at)
                lastSaid = at
            }
            for i in gone.reversed() {
                fds.remove(at: i)
                paths.remove(at: i)
            }
        }
    }

    private func say(_ trigger: PressureSignal.Trigger, memory: HostMemory, floorKb: UInt64?, at: Double) {
        let stall = PressureStall.read(settings.systemFile)
        post(
            PressureSignal(
                trigger: trigger, at: at, availableKb: memory.availableKb, floorKb: floorKb, someAvg10: stall?.someAvg10,
                fullAvg10: stall?.fullAvg10))
    }
}
