import ArgumentParser
import BoxRuntime
import Foundation

/// `corral box`: Corral's own containers, without Docker.
struct BoxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "box",
        abstract: "Run containers without Docker: namespaces, pivot_root, cgroups and a sized disk.",
        discussion: """
            A box is a command in its own PID, mount, UTS, IPC, network and cgroup
            namespaces, pivot_root'ed into an overlay of a debootstrap'd Debian image
            (read-only, below) and its own writable layer (above) on a fixed-size ext4
            disk, with cgroup limits on memory, CPU and processes. Its init (PID 1) reaps
            and forwards signals; there is no daemon. State lives in one directory a box
            under --root/boxes; images under --root/images.

            Stop keeps the disk and the settings; rm destroys both. restore starts every
            box that was running when the host went down (corral-boxes.service runs it
            at boot).

            Getting started:
              corral box image build debian --packages procps
              corral box create web --image debian --memory 256M --cpus 0.5 -- sleep infinity
              corral box start web
              corral box exec web -- ps -ef
              corral box ls
              corral box stop web && corral box rm web

            Networking: a box is on loopback alone unless it asks for the bridge
            (--network, or any of --bridge, --subnet, --nat, --publish):
              corral box create site --network --publish 8080:80 -- nginx -g 'daemon off;'
            gives it eth0 with an address of the subnet (kept across stop and start)
            and forwards the host's port 8080, on loopback and every other address, to
            its port 80.

            Needs root.
            """,
        subcommands: [
            BoxCreate.self, BoxRun.self, BoxStart.self, BoxStop.self, BoxRemove.self, BoxList.self, BoxExec.self, BoxLogs.self,
            BoxRestore.self,
            BoxImageCommand.self,
        ]
    )
}

struct BoxOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where boxes and images live (or CORRAL_BOX_ROOT).", valueName: "dir"))
    var root: String = ProcessInfo.processInfo.environment["CORRAL_BOX_ROOT"] ?? BoxPaths.defaultRoot

    @Option(help: ArgumentHelp("Where images live (or CORRAL_BOX_IMAGES; default: --root/images).", valueName: "dir"))
    var images: String?

    var host: BoxHost {
        BoxHost(paths: BoxPaths(root: root, images: images ?? ProcessInfo.processInfo.environment["CORRAL_BOX_IMAGES"]))
    }
}

/// Prints a box error as one line and exits 1.
func boxFailure(_ error: any Error) -> ExitCode {
    var standardError = StandardError()
    print("corral box: \(error)", to: &standardError)
    if geteuid() != 0 { print("hint: boxes need root", to: &standardError) }
    return ExitCode.failure
}

/// Acts on each named box in turn; one that fails is reported and the rest
/// still get their turn; exits 1 when any failed.
func eachBox(_ references: [String], _ act: (String) async throws -> Void) async throws {
    var failed = false
    for reference in references {
        do {
            try await act(reference)
        } catch {
            _ = boxFailure(error)
            failed = true
        }
    }
    if failed { throw ExitCode.failure }
}

struct BoxCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a box (not started): its settings and its disk. Prints its id.",
        discussion: """
            Without a command after --, the box runs a shell that waits for a signal.
            Sizes take K, M, G suffixes (binary). The name is also the box's hostname.

            Examples:
              corral box create db --image debian --memory 512M --disk 2G -- /usr/bin/sleep infinity
              corral box create job --image debian --cpus 0.5 --pids 64 --env MODE=batch -- sh -c 'work'
            """)

    @OptionGroup var options: BoxOptions

    @OptionGroup var spec: BoxSpec

    func run() async throws {
        do {
            print(try await spec.create(on: options.host).id)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw boxFailure(error)
        }
    }
}

/// What `create` and `run` make a box from: name, image, limits, command.
struct BoxSpec: ParsableArguments {
    @Argument(help: "The box's name (default: box-<8 hex digits of its id>).")
    var name: String?

    @Option(help: "The image (corral box image ls).")
    var image: String = "debian"

    @Option(help: ArgumentHelp("Memory limit, e.g. 256M.", valueName: "size"))
    var memory: String?

    @Option(help: ArgumentHelp("Memory plus swap limit (default: as --memory: no swap).", valueName: "size"))
    var memorySwap: String?

    @Option(help: ArgumentHelp("CPU limit in cores, e.g. 0.5.", valueName: "n"))
    var cpus: Double?

    @Option(help: ArgumentHelp("Most processes and threads at once.", valueName: "n"))
    var pids: Int?

    @Option(help: ArgumentHelp("The writable layer's size: writes beyond it fail with ENOSPC.", valueName: "size"))
    var disk: String = "1G"

    @Option(help: ArgumentHelp("An environment variable for the command (repeatable).", valueName: "k=v"))
    var env: [String] = []

    @Option(help: ArgumentHelp("A label (repeatable), e.g. corral.managed=true.", valueName: "k=v"))
    var label: [String] = []

    @Flag(help: "Put the box on the host's bridge: eth0 with an address of its own, kept across stop and start (default: loopback only).")
    var network = false

    @OptionGroup var bridgeOptions: BridgeOptions

    @Flag(help: "Masquerade what the box sends beyond the bridge behind the host's address (outbound NAT).")
    var nat = false

    @Option(
        name: [.customShort("p"), .long],
        help: ArgumentHelp(
            "Forward a host port to the box's, from loopback and from outside (repeatable): [address:]hostport:boxport[/udp].",
            valueName: "ports"))
    var publish: [String] = []

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func create(on host: BoxHost) async throws -> BoxConfig {
        var labels: [String: String] = [:]
        for pair in label {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--label wants key=value, not '\(pair)'")
            }
            labels[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let limits = BoxLimits(
            memory: try memory.map { try ByteSize.parse($0, what: "--memory") },
            memorySwap: try memorySwap.map { try ByteSize.parse($0, what: "--memory-swap") }, cpus: cpus, pids: pids,
            disk: try ByteSize.parse(disk, what: "--disk"))
        return try await host.create(
            name: name, image: image, command: command.isEmpty ? nil : command, environment: env, labels: labels, limits: limits,
            network: try networkRequest())
    }

    /// Any network option puts the box on a bridge.
    func networkRequest() throws -> BoxNetworkRequest? {
        guard network || bridgeOptions.given || nat || !publish.isEmpty else { return nil }
        return BoxNetworkRequest(
            bridge: bridgeOptions.bridgeName, subnet: bridgeOptions.subnetCIDR, nat: nat,
            publish: try publish.map { try PortMapping(parsing: $0) })
    }
}

struct BoxRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and start a box, wait for its command, print what it wrote; exit with its status.",
        discussion: """
            With --rm the box is removed when its command ends (or when run is
            interrupted); without, it stays, exited, for logs and start.

            Example:
              corral box run --rm --memory 64M -- sh -c 'echo hello from $(hostname)'
            """)

    @OptionGroup var options: BoxOptions

    @OptionGroup var spec: BoxSpec

    @Flag(help: "Remove the box when its command ends.")
    var rm = false

    func run() async throws {
        let host = options.host
        let config: BoxConfig
        do {
            config = try await spec.create(on: host)
        } catch let error as ValidationError {
            throw error
        } catch {
            throw boxFailure(error)
        }
        do {
            try await host.start(config.id)
            let ended = try await host.wait(config.id, poll: .milliseconds(2))
            if let data = FileManager.default.contents(atPath: try host.logPath(config.id)) { FileHandle.standardOutput.write(data) }
            if rm { try await host.remove(config.id, force: true) }
            if let code = ended.record.exitCode, code != 0 { throw ExitCode(code) }
        } catch let error as ExitCode {
            throw error
        } catch {
            if rm { try? await host.remove(config.id, force: true) }
            throw boxFailure(error)
        }
    }
}

struct BoxStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start boxes (a running one is left as it is).")

    @OptionGroup var options: BoxOptions

    @Argument(help: "Box names or ids.")
    var boxes: [String]

    func run() async throws {
        try await eachBox(boxes) { reference in
            let box = try await options.host.start(reference)
            print("\(box.name) running (pid \(box.record.pid.map(String.init) ?? "?"))")
        }
    }
}

struct BoxStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop boxes: SIGTERM, SIGKILL after --time; disk and settings are kept.",
        discussion: "The processes go, and with them the box's namespaces, network, mounts and loop device.")

    @OptionGroup var options: BoxOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Seconds between SIGTERM and SIGKILL.", valueName: "s"))
    var time: Int = 10

    @Argument(help: "Box names or ids.")
    var boxes: [String]

    func run() async throws {
        try await eachBox(boxes) { reference in
            let box = try await options.host.stop(reference, grace: .seconds(max(0, time)))
            print("\(box.name) \(box.record.words)")
        }
    }
}

struct BoxRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Destroy boxes: disk, settings and log (--force stops a running one first).")

    @OptionGroup var options: BoxOptions

    @Flag(name: .shortAndLong, help: "Kill a running box first.")
    var force = false

    @Argument(help: "Box names or ids.")
    var boxes: [String]

    func run() async throws {
        try await eachBox(boxes) { reference in
            try await options.host.remove(reference, force: force)
            print("\(reference) removed")
        }
    }
}

struct BoxList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List boxes: id, name, image, state, uptime, limits.",
        discussion: "A box whose init died shows exited, with its status (oom-killed when the kernel's OOM killer ended it).")

    @OptionGroup var options: BoxOptions

    @Flag(help: "A JSON array of objects (name, id, image, state, status, ...).")
    var json = false

    func run() async throws {
        let boxes = await options.host.list()
        let now = Date().timeIntervalSince1970
        if json {
            let rows = boxes.map { BoxRow($0, now: now) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: (try? encoder.encode(rows)) ?? Data("[]".utf8), as: UTF8.self))
            return
        }
        var table = [["ID", "NAME", "IMAGE", "STATE", "UPTIME", "ADDRESS", "PORTS", "LIMITS"]]
        for box in boxes {
            let network = box.config.network
            table.append([
                String(box.id.prefix(12)), box.name, box.config.image, box.record.words,
                box.uptime(now: now).map { Box.words(seconds: $0) } ?? "-", network?.address ?? "-",
                network.map { $0.publish.isEmpty ? "-" : $0.publish.map(\.description).joined(separator: ",") } ?? "-",
                box.config.limits.words,
            ])
        }
        print(Self.render(table), terminator: "")
    }

    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// One box in `ls --json`.
struct BoxRow: Encodable {
    let id: String
    let name: String
    let image: String
    let state: String
    let status: String
    let exitCode: Int32?
    let oomKilled: Bool
    let pid: Int32?
    let uptimeSeconds: Double?
    let createdAt: Double
    let labels: [String: String]
    let command: [String]
    let limits: BoxLimits
    /// Bridge, subnet, address, nat, publish; absent for a loopback-only box.
    let network: BoxNetwork?

    init(_ box: Box, now: Double) {
        id = box.id
        name = box.name
        image = box.config.image
        state = box.record.phase.rawValue
        status = box.record.words
        exitCode = box.record.exitCode
        oomKilled = box.record.oomKilled
        pid = box.record.pid
        uptimeSeconds = box.uptime(now: now)
        createdAt = box.config.createdAt
        labels = box.config.labels
        command = box.config.command
        limits = box.config.limits
        network = box.config.network
    }
}

struct BoxExec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command inside a running box: its namespaces, root, cgroups and environment.",
        discussion: """
            Standard input, output and error are this terminal's (or pipe's); the exit
            status is the command's (125: the box could not be entered, 126: not
            executable, 127: not found).

            Example:
              corral box exec web -- sh -c 'hostname; ps -ef'
            """)

    @OptionGroup var options: BoxOptions

    @Option(help: ArgumentHelp("An extra environment variable (repeatable).", valueName: "k=v"))
    var env: [String] = []

    @Argument(help: "The box's name or id.")
    var box: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() async throws {
        let arguments: [String]
        do {
            arguments = try await options.host.execArguments(box, command: command, environment: env)
        } catch {
            throw boxFailure(error)
        }
        // The helper takes this process's place: its stdio, its exit status.
        var pointers = arguments.map { strdup($0) }
        pointers.append(nil)
        execv(arguments[0], pointers)
        throw boxFailure(BoxError.command(arguments[0], reason: String(cString: strerror(errno))))
    }
}

struct BoxLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print what the box's command wrote (stdout and stderr).")

    @OptionGroup var options: BoxOptions

    @Flag(name: .shortAndLong, help: "Keep printing what is written until the box stops.")
    var follow = false

    @Argument(help: "The box's name or id.")
    var box: String

    func run() async throws {
        do {
            let path = try options.host.logPath(box)
            var offset: UInt64 = 0
            while true {
                if let handle = FileHandle(forReadingAtPath: path) {
                    try handle.seek(toOffset: offset)
                    let data = handle.readDataToEndOfFile()
                    offset += UInt64(data.count)
                    FileHandle.standardOutput.write(data)
                    try handle.close()
                }
                guard follow, try await options.host.inspect(box).isRunning else { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        } catch {
            throw boxFailure(error)
        }
    }
}

struct BoxRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Start every box that was running when the host went down.",
        discussion: """
            Run at boot by corral-boxes.service; by hand on hosts without systemd. Boxes
            that were stopped, or whose command ended by itself, stay as they are.
            Exits 1 when any box could not be started (the others still are).
            """)

    @OptionGroup var options: BoxOptions

    func run() async throws {
        let outcomes = await options.host.restore()
        var failed = false
        for (name, outcome) in outcomes {
            switch outcome {
            case .success(let box): print("\(name) restored (pid \(box.record.pid.map(String.init) ?? "?"))")
            case .failure(let error):
                _ = boxFailure(error)
                failed = true
            }
        }
        if outcomes.isEmpty { print("no box to restore") }
        if failed { throw ExitCode.failure }
    }
}

struct BoxImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Build, list and remove box images (debootstrap'd Debian roots).",
        subcommands: [BoxImageBuild.self, BoxImageList.self, BoxImageRemove.self])
}

struct BoxImageBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "debootstrap Debian (minbase plus --packages) once and name it.",
        discussion: """
            The build is cached by what goes into it (suite, mirror, packages): asking
            again is instant, and two names may share one root. The root is never
            written after the build: each box writes to its own layer above it.

            Example:
              corral box image build debian --packages procps,iproute2
              corral box image build web --preset web
            """)

    @OptionGroup var options: BoxOptions

    @Argument(help: "The image's name.")
    var name: String

    @Option(help: ArgumentHelp("Packages beyond minbase, comma-separated (repeatable).", valueName: "list"))
    var packages: [String] = []

    @Option(help: "The Debian suite.")
    var suite: String = "bookworm"

    @Option(help: ArgumentHelp("The Debian mirror (default: the first apt uses for --suite).", valueName: "url"))
    var mirror: String?

    @Option(
        help: ArgumentHelp(
            "A ready recipe, its packages added to --packages: web (sshd for keys only, nginx, MariaDB, and their supervisor \(WebImage.supervisorPath), the command its boxes run).",
            valueName: "name"))
    var preset: String?

    func run() async throws {
        do {
            guard let mirror = mirror ?? BoxImages.defaultMirror(suite: suite) else {
                throw ValidationError("no Debian mirror for \(suite) in /etc/apt/sources.list*; pass --mirror URL")
            }
            var recipe = BoxImage.Recipe(
                suite: suite, mirror: mirror, packages: packages.flatMap { $0.split(separator: ",").map { String($0) } })
            switch preset {
            case nil: break
            case "web":
                let web = WebImage.recipe(suite: suite, mirror: mirror)
                recipe = BoxImage.Recipe(suite: suite, mirror: mirror, packages: recipe.packages + web.packages, files: web.files)
            case let other?: throw ValidationError("--preset '\(other)': the presets are: web")
            }
            let image = try await options.host.images.build(name, recipe: recipe) { line in
                var standardError = StandardError()
                print("corral box image: \(line)", to: &standardError)
            }
            print("\(image.name) \(image.digest)")
        } catch let error as ValidationError {
            throw error
        } catch {
            throw boxFailure(error)
        }
    }
}

struct BoxImageList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images: name, digest, packages, size.")

    @OptionGroup var options: BoxOptions

    @Flag(help: "A JSON array of objects (name, digest, suite, packages, size, ...).")
    var json = false

    func run() async throws {
        let images = options.host.images.list()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: (try? encoder.encode(images)) ?? Data("[]".utf8), as: UTF8.self))
            return
        }
        var table = [["NAME", "DIGEST", "SUITE", "SIZE", "PACKAGES"]]
        for image in images {
            table.append([
                image.name, image.digest, image.suite, ByteSize.words(image.size),
                image.packages.isEmpty ? "(minbase)" : image.packages.joined(separator: ","),
            ])
        }
        print(BoxList.render(table), terminator: "")
    }
}

struct BoxImageRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Forget an image's name; its root goes when nothing else uses it.")

    @OptionGroup var options: BoxOptions

    @Argument(help: "The image's name.")
    var name: String

    func run() async throws {
        do {
            let host = options.host
            let using = await host.list().filter { $0.config.image == name }.map(\.name)
            try host.images.remove(name, boxesUsing: using)
            print("\(name) removed")
        } catch {
            throw boxFailure(error)
        }
    }
}
