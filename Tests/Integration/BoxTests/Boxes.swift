import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

/// Boxes on this machine's real kernel, as root. The suites nest here so they
/// run one at a time: a CPU quota is measured, and the enforcer ranks boxes
/// by what they consume.
@Suite("Boxes, on this machine's kernel", .serialized)
enum Boxes {}

/// The image every box test uses: Debian minbase, built once into the
/// host's image cache (/var/lib/corral/images) and reused by every later
/// run, as `corral box image build debian` would.
enum TestImage {
    static let name = "debian"
    static let cache = "/var/lib/corral/images"

    static let built = Task<Void, any Error> {
        guard let mirror = BoxImages.defaultMirror(suite: "bookworm") else {
            throw BoxError.invalid("no Debian mirror for bookworm in /etc/apt/sources.list*")
        }
        _ = try await BoxImages(paths: BoxPaths(root: "/var/lib/corral", images: cache)).build(
            name, recipe: .init(suite: "bookworm", mirror: mirror))
    }
}

/// A directory of boxes of one test's own (the image cache is the host's),
/// and everything made in it removed at the end.
struct TestBoxes {
    let root: String
    let host: BoxHost

    /// Runs `body` with a fresh directory of boxes, then removes every box
    /// in it (and the directory), whether `body` passed, failed or threw.
    static func using(_ body: (TestBoxes) async throws -> Void) async throws {
        let boxes = try await TestBoxes()
        do {
            try await body(boxes)
        } catch {
            await boxes.cleanup()
            throw error
        }
        await boxes.cleanup()
    }

    private init() async throws {
        try await TestImage.built.value
        root = "/var/tmp/corral-boxes-test-" + UUID().uuidString.prefix(8).lowercased()
        host = BoxHost(paths: BoxPaths(root: root, images: TestImage.cache))
    }

    func create(
        _ name: String, _ command: [String]? = nil, limits: BoxLimits = BoxLimits(disk: 64 << 20), labels: [String: String] = [:],
        network: BoxNetworkRequest? = nil
    ) async throws -> BoxConfig {
        try await host.create(name: name, image: TestImage.name, command: command, labels: labels, limits: limits, network: network)
    }

    /// Runs `command` in the box through `corral box exec`'s helper.
    func exec(_ box: String, _ command: [String]) async throws -> CommandResult {
        let arguments = try await host.execArguments(box, command: command)
        return try runCommand(arguments[0], Array(arguments.dropFirst()))
    }

    func shell(_ box: String, _ script: String) async throws -> CommandResult { try await exec(box, ["/bin/sh", "-c", script]) }

    /// `corral box ARGS --root ROOT`, the command line a person types.
    func corral(_ arguments: [String]) throws -> CommandResult {
        try runCommand(
            ".build/debug/corral", ["box"] + arguments, environment: ["CORRAL_BOX_ROOT": root, "CORRAL_BOX_IMAGES": TestImage.cache])
    }

    /// Removes every box (killing running ones) and the directory.
    func cleanup() async {
        for box in await host.list() { try? await host.remove(box.id, force: true) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // What a box may leave on the host, to prove it leaves nothing.

    /// Loop devices whose backing file lies under this test's root.
    func loopDevices() -> [String] {
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return devices.filter { device in
            guard device.hasPrefix("loop"),
                let backing = try? String(contentsOfFile: "/sys/block/\(device)/loop/backing_file", encoding: .utf8)
            else { return false }
            return backing.hasPrefix(root)
        }
    }

    /// Host mounts at or below this test's root.
    func mounts() -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.split(separator: " ").dropFirst().first?.hasPrefix(root) == true }
    }

    /// Box directories (and half-made or half-removed ones) under the root.
    func stateDirectories() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/boxes")) ?? []).filter { !$0.hasPrefix(".lock") }
    }

    /// Processes in any of these boxes' cgroups, and cgroups left.
    func cgroupsLeft(_ ids: [String]) -> [String] {
        ids.filter { host.cgroups.exists($0) }
    }

    /// Everything a set of removed boxes could have left behind, in words; empty when nothing.
    func leftovers(_ ids: [String]) -> [String] {
        var found: [String] = []
        found += loopDevices().map { "loop device \($0)" }
        found += mounts().map { "mount \($0)" }
        found += stateDirectories().map { "state directory \($0)" }
        found += cgroupsLeft(ids).map { "cgroup of box \($0.prefix(12))" }
        return found
    }
}

extension Box {
    var state: String { record.words }
}
