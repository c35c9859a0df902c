import Foundation

/// The boxes' rows: one box's whole life (create, start, run /bin/true,
/// stop, remove) through `corral box run --rm` against `docker run --rm
/// --network none` of a FROM scratch image holding a static true, p50 of
/// `runs` each; and the runtime's own memory per running box (its init, the
/// only process a box adds) against Docker's per-container shim.
struct BoxBench {
    let corral: String
    let runs: Int
    /// The image cache `corral box image build debian` fills (make bench builds it).
    let images = "/var/lib/corral/images"

    func run() async throws -> [BenchRow] {
        let root = "/var/tmp/corral-bench-boxes-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let environment = ["CORRAL_BOX_ROOT": root, "CORRAL_BOX_IMAGES": images]
        guard try runQuietly(corral, ["box", "image", "ls", "--images", images]) == 0,
            (try? String(contentsOfFile: images + "/names/debian.json", encoding: .utf8)) != nil
        else { throw BenchError("the boxes' rows need the debian box image: \(corral) box image build debian") }
        let scratch = try scratchImage()
        defer { _ = try? runQuietly("/usr/bin/docker", ["rmi", "-f", scratch]) }
        return [
            try await lifecycle(environment: environment, scratch: scratch), try await memory(environment: environment, scratch: scratch),
        ]
    }

    /// A FROM scratch image holding static `true` and `sleep` (busybox-static): the same program Docker runs.
    private func scratchImage() throws -> String {
        let name = "corral-bench/true:latest"
        try shell(
            """
            set -e; dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
            printf 'int main(void) { return 0; }\\n' > "$dir/true.c"
            gcc -static -O2 -o "$dir/true" "$dir/true.c"
            cp /bin/busybox "$dir/busybox"
            tar -C "$dir" -c true busybox | docker import - \(name) >/dev/null
            """)
        return name
    }

    private func lifecycle(environment: [String: String], scratch: String) async throws -> BenchRow {
        progress("boxes: \(runs) x corral box run --rm -- /bin/true against docker run --rm --network none \(scratch) /true")
        var boxes: [Double] = []
        var docker: [Double] = []
        for _ in 0..<runs {
            boxes.append(
                try await timed {
                    let status = try run(corral, ["box", "run", "--rm", "--disk", "16M", "--", "/bin/true"], environment: environment)
                    guard status == 0 else { throw BenchError("corral box run --rm -- /bin/true exited \(status)") }
                } * 1000)
            docker.append(
                try await timed {
                    let status = try run("/usr/bin/docker", ["run", "--rm", "--network", "none", scratch, "/true"], environment: [:])
                    guard status == 0 else { throw BenchError("docker run --rm \(scratch) /true exited \(status)") }
                } * 1000)
        }
        return BenchRow(
            name: "boxes: create+start+/bin/true+stop+rm, p50 of \(runs) (runc 110 ms, crun 57 ms)", corral: median(boxes),
            baseline: median(docker), baselineName: "docker run --rm --network none, FROM scratch", aim: 1, unit: "ms")
    }

    /// Ten running boxes: their inits' RSS, against the containerd shims of ten running containers.
    private func memory(environment: [String: String], scratch: String) async throws -> BenchRow {
        progress("boxes: the runtime's memory per running box (its init) against containerd-shim per container, 10 each")
        var names: [String] = []
        var containers: [String] = []
        defer {
            for name in names { _ = try? run(corral, ["box", "rm", "--force", name], environment: environment) }
            if !containers.isEmpty { _ = try? runQuietly("/usr/bin/docker", ["rm", "-f"] + containers) }
        }
        for index in 0..<10 {
            let name = "bench-\(index)"
            guard try run(corral, ["box", "create", name, "--disk", "16M", "--", "/bin/sleep", "600"], environment: environment) == 0,
                try run(corral, ["box", "start", name], environment: environment) == 0
            else { throw BenchError("corral box create/start \(name) failed") }
            names.append(name)
            let container = "corral-bench-shim-\(index)"
            guard
                try runQuietly(
                    "/usr/bin/docker", ["run", "-d", "--network", "none", "--name", container, scratch, "/busybox", "sleep", "600"]) == 0
            else { throw BenchError("docker run -d \(scratch) failed") }
            containers.append(container)
        }
        let inits = processes(named: "corral-box-help")
        let shims = processes(named: "containerd-shim")
        guard inits.count >= 10, !shims.isEmpty else {
            throw BenchError("found \(inits.count) box inits and \(shims.count) containerd shims; expected 10 of each")
        }
        let perBox = inits.map(rss).reduce(0, +) / Double(inits.count)
        let perShim = shims.map(rss).reduce(0, +) / Double(shims.count)
        return BenchRow(
            name: "boxes: runtime memory per running box (its init's RSS; no daemon)", corral: perBox, baseline: perShim,
            baselineName: "containerd-shim-runc-v2 per container (about 11 MB)", aim: 1, unit: "MiB")
    }

    private func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Pids whose command name (comm) starts with `prefix`.
    private func processes(named prefix: String) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = Int32(entry), let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return nil }
            return comm.hasPrefix(prefix) ? pid : nil
        }
    }

    /// VmRSS in MiB.
    private func rss(_ pid: Int32) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            return kib / 1024
        }
        return 0
    }
}
