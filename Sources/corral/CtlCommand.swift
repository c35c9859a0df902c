import ArgumentParser
import Control
import ControlAPI
import ControlClient
import CorralCore
import Foundation
import NIOHTTP1
import Reports

struct CtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Ask the control plane's admin API: containers, jobs, nodes.",
        discussion: """
            Examples:
              corral ctl containers create corral/low-idle --name web-1 --label app=web --wait
              corral ctl containers ls --state running
              corral ctl containers stop web-1 --wait
              corral ctl containers rm web-1
              corral ctl jobs get 2c1581c9-1d82-11ef-aa1b-0242ac160003
              corral ctl nodes ls
              corral ctl nodes drain node-a
            """,
        subcommands: [Containers.self, Jobs.self, Nodes.self]
    )

    // Declared here too, so `corral ctl --url URL containers ls` parses: the
    // values reach each subcommand's own copy.
    @OptionGroup var options: Options

    struct Options: ParsableArguments {
        @Option(
            help: ArgumentHelp(
                "The admin API, or every replica's separated by commas: the next is tried when one cannot be reached (default http://127.0.0.1:7480).",
                valueName: "url[,url...]"))
        var url: String = ControlSettings().adminListen.url

        @Option(help: ArgumentHelp("File holding the admin token (default /var/lib/corral/control/admin.token).", valueName: "path"))
        var tokenFile: String = ControlSettings().adminTokenPath

        func client() throws -> ControlClient {
            let token: String?
            do {
                token = try Tokens.read(tokenFile)
            } catch {
                throw ValidationError("\(error)")
            }
            guard let token else {
                throw ValidationError("--token-file \(tokenFile) does not exist (corral control writes it at first start)")
            }
            let urls = url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !urls.isEmpty else { throw ValidationError("--url wants the admin API's URL") }
            return ControlClient(baseURLs: urls, token: token)
        }

        /// Runs `body` with a client of the admin API, shut down afterwards;
        /// what fails is said as the command's error (an exit code passes).
        func withClient(_ body: (ControlClient) async throws -> Void) async throws {
            let client = try client()
            defer { Task { await client.shutdown() } }
            do {
                try await body(client)
            } catch let error as ExitCode {
                throw error
            } catch {
                throw fail(error)
            }
        }
    }

    struct Containers: AsyncParsableCommand {
        @OptionGroup var options: Options
        static let configuration = CommandConfiguration(
            abstract: "Create, list, show, stop and delete containers.",
            subcommands: [Create.self, List.self, Get.self, Stop.self, Remove.self])
    }

    struct Jobs: AsyncParsableCommand {
        @OptionGroup var options: Options
        static let configuration = CommandConfiguration(abstract: "Follow jobs.", subcommands: [JobGet.self, JobWait.self])
    }

    struct Nodes: AsyncParsableCommand {
        @OptionGroup var options: Options
        static let configuration = CommandConfiguration(abstract: "List and drain nodes.", subcommands: [NodeList.self, Drain.self])
    }
}

extension CtlCommand.Containers {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a container; prints its job and container ids.",
            discussion: "The answer comes once the job is stored; --wait follows it until it succeeds or fails.")

        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "The image.") var image: String
        @Option(help: "A name (unique).") var name: String?
        @Option(help: ArgumentHelp("An environment variable (repeatable).", valueName: "key=value")) var env: [String] = []
        @Option(help: ArgumentHelp("A label (repeatable).", valueName: "key=value")) var label: [String] = []
        @Option(help: ArgumentHelp("CPUs to reserve (0.5 is half a core).", valueName: "n")) var cpus: Double?
        @Option(help: ArgumentHelp("Memory to reserve: bytes, or with k, m or g.", valueName: "size")) var memory: String?
        @Option(help: ArgumentHelp("A label the node must have (repeatable).", valueName: "key=value")) var nodeLabel: [String] = []
        @Option(help: ArgumentHelp("spread or binpack (default: the control plane's).", valueName: "strategy")) var strategy: String?
        @Option(help: ArgumentHelp("The node's runtime: docker or native (boxes).", valueName: "kind")) var runtime: String?
        @Option(
            help: ArgumentHelp(
                "none (loopback only; the default) or bridge: an address of its own on its node's bridge (boxes).", valueName: "mode"))
        var network: String?
        @Option(
            name: [.customShort("p"), .long],
            help: ArgumentHelp(
                "Publish a port on its node: \(PublishedPort.form) (repeatable; puts it on the bridge).", valueName: "port"))
        var publish: [String] = []
        @Option(help: ArgumentHelp("Retrying with the same key gives the same job.", valueName: "key")) var idempotencyKey: String?
        @Flag(help: "Wait until the job succeeds or fails.") var wait = false
        @Flag(help: "Print JSON.") var json = false
        @Argument(parsing: .postTerminator, help: "Arguments to the image's entrypoint, after --.") var arguments: [String] = []

        func run() async throws {
            var spec = ContainerSpec(
                image: image, arguments: arguments, name: name, cpus: cpus, runtime: runtime, strategy: strategy, network: network)
            spec.ports = try publish.map { text in
                guard let port = PublishedPort(parsing: text) else {
                    throw ValidationError("--publish '\(text)': write \(PublishedPort.form)")
                }
                return port
            }
            spec.env = try pairs(env, "--env")
            spec.labels = try pairs(label, "--label")
            spec.nodeLabels = try pairs(nodeLabel, "--node-label")
            if let memory { spec.memoryBytes = try bytes(memory) }
            try await options.withClient { client in
                let headers = idempotencyKey.map { [("Idempotency-Key", $0)] } ?? []
                let accepted = try await client.send(.POST, "/v1/containers", body: spec, headers: headers, as: JobAccepted.self)
                if wait {
                    try await follow(accepted.jobID, client: client, json: json)
                } else {
                    print(json ? encode(accepted) : "job \(accepted.jobID) \(accepted.state.rawValue): container \(accepted.containerID)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.")
        @OptionGroup var options: CtlCommand.Options
        @Option(help: "Only this node's.") var node: String?
        @Option(help: "Only in this actual state (pending, running, stopped, exited, lost).") var state: String?
        @Option(help: ArgumentHelp("Only with this label (repeatable).", valueName: "key=value")) var label: [String] = []
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var query: [String] = []
            if let node { query.append("node=\(escape(node))") }
            if let state { query.append("state=\(escape(state))") }
            query += label.map { "label=\(escape($0))" }
            try await options.withClient { client in
                let list = try await client.send(
                    .GET, "/v1/containers" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), as: ContainerList.self)
                if json {
                    print(encode(list))
                    return
                }
                let rows = list.containers.map {
                    [
                        $0.id, $0.name, $0.spec.image, $0.node ?? "-", $0.desired.rawValue, $0.actual.rawValue, $0.address ?? "-",
                        $0.spec.ports.isEmpty ? "-" : $0.spec.ports.map(\.description).joined(separator: ","), $0.reason ?? "",
                    ]
                }
                let header = ["ID", "NAME", "IMAGE", "NODE", "DESIRED", "ACTUAL", "ADDRESS", "PORTS", "REASON"]
                print(TextTable(header: header, rows: rows).render(), terminator: "")
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one container as JSON.")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "Its id or name.") var container: String

        func run() async throws {
            try await options.withClient { client in
                print(encode(try await client.send(.GET, "/v1/containers/\(escape(container))", as: ContainerRecord.self)))
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a container (its disk and settings stay).")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "Its id or name.") var container: String
        @Flag(help: "Wait until the job succeeds or fails.") var wait = false

        func run() async throws {
            try await change(.POST, "/v1/containers/\(escape(container))/stop", options: options, wait: wait)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a container.")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "Its id or name.") var container: String
        @Flag(help: "Wait until the job succeeds or fails.") var wait = false

        func run() async throws {
            try await change(.DELETE, "/v1/containers/\(escape(container))", options: options, wait: wait)
        }
    }
}

extension CtlCommand.Jobs {
    struct JobGet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show one job as JSON.")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "The job's id.") var job: String

        func run() async throws {
            try await options.withClient { client in
                print(encode(try await client.send(.GET, "/v1/jobs/\(escape(job))", as: Job.self)))
            }
        }
    }

    struct JobWait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wait", abstract: "Wait until a job succeeds (exit 0) or fails (exit 1).")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "The job's id.") var job: String

        func run() async throws {
            try await options.withClient { client in
                try await follow(job, client: client, json: false)
            }
        }
    }
}

extension CtlCommand.Nodes {
    struct NodeList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List nodes: state, capacity, what is placed, last heartbeat.")
        @OptionGroup var options: CtlCommand.Options
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await options.withClient { client in
                let list = try await client.send(.GET, "/v1/nodes", as: ControlAPI.NodeList.self)
                if json {
                    print(encode(list))
                    return
                }
                let rows = list.nodes.map { node in
                    [
                        node.id, node.state.rawValue, node.runtime, "\(node.allocated.containers)/\(node.capacity.containers)",
                        String(format: "%.1f", Double(node.capacity.millicpus) / 1000), "\(node.capacity.memoryBytes >> 20) MiB",
                        "\(node.running)",
                        node.lastHeartbeat, node.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                    ]
                }
                print(
                    TextTable(
                        header: ["NODE", "STATE", "RUNTIME", "PLACED", "CPUS", "MEMORY", "RUNNING", "LAST HEARTBEAT", "LABELS"], rows: rows
                    )
                    .render(), terminator: "")
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drain a node: it keeps its containers and takes no new ones.")
        @OptionGroup var options: CtlCommand.Options
        @Argument(help: "The node's id.") var node: String
        @Flag(help: "Let it take new containers again.") var undo = false

        func run() async throws {
            try await options.withClient { client in
                let record = try await client.send(
                    .POST, "/v1/nodes/\(escape(node))/drain\(undo ? "?enabled=false" : "")", as: NodeRecord.self)
                print("node \(record.id) \(record.state.rawValue)")
            }
        }
    }
}

// MARK: - Shared

private func change(_ method: HTTPMethod, _ path: String, options: CtlCommand.Options, wait: Bool) async throws {
    try await options.withClient { client in
        let accepted = try await client.send(method, path, as: JobAccepted.self)
        if wait {
            try await follow(accepted.jobID, client: client, json: false)
        } else {
            print("job \(accepted.jobID) \(accepted.state.rawValue): container \(accepted.containerID)")
        }
    }
}

/// Polls a job until it finishes; prints each state it passes through.
private func follow(_ job: String, client: ControlClient, json: Bool) async throws {
    var last: JobState?
    while true {
        let current = try await client.send(.GET, "/v1/jobs/\(escape(job))", as: Job.self)
        if current.state != last && !json {
            print(
                "job \(current.id) \(current.state.rawValue)\(current.node.map { " on \($0)" } ?? "")\(current.reason.map { ": \($0)" } ?? "")"
            )
        }
        last = current.state
        if current.state.isFinished {
            if json { print(encode(current)) }
            if current.state == .failed { throw ExitCode.failure }
            return
        }
        try await Task.sleep(for: .milliseconds(100))
    }
}

private func fail(_ error: any Error) -> ExitCode {
    var standardError = StandardError()
    print("corral ctl: \(error)", to: &standardError)
    if let error = error as? ControlClientError, error.status == nil {
        print("hint: is corral control running, and is --url its admin URL?", to: &standardError)
        return ExitCode(69)
    }
    return ExitCode.failure
}

private func pairs(_ values: [String], _ flag: String) throws -> [String: String] {
    var result: [String: String] = [:]
    for pair in values {
        guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
            throw ValidationError("\(flag) wants key=value, not '\(pair)'")
        }
        result[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
    }
    return result
}

/// `512`, `64k`, `256m`, `2g` (powers of 1024) in bytes.
func bytes(_ text: String) throws -> Int64 {
    let lower = text.lowercased()
    let units: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
    if let last = lower.last, let unit = units[last], let value = Double(lower.dropLast()), value >= 0 {
        return Int64(value * Double(unit))
    }
    guard let value = Int64(lower), value >= 0 else {
        throw ValidationError("--memory wants bytes, or a number with k, m or g, not '\(text)'")
    }
    return value
}

private func escape(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~="))) ?? text
}

private func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
