import ArgumentParser
import BoxRuntime
import CorralCore
import Foundation

/// `corral farm`: a web farm on boxes behind a reverse-proxy box.
struct FarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "farm",
        abstract: "A private web farm on boxes: web boxes (sshd, nginx, MariaDB) behind an nginx reverse-proxy box.",
        discussion: """
            Each site is a box of the web image (corral box image build web --preset web,
            made by up when missing) with an address on the bridge, its page read from
            its own database, and ssh (keys only) on a host port of its own. The proxy is
            a box too: it routes <site>.<domain> by host name to each site's box and is
            published on --port. A farm is its boxes (labelled corral.farm=<farm>):
            corral box ls shows them, and their state is the boxes' own.

            Getting started (as root):
              corral farm up 3 --key ~/.ssh/id_ed25519.pub
              curl -H 'Host: site1.farm.test' http://127.0.0.1:8080/
              ssh -p 2201 root@127.0.0.1 hostname
              corral farm ls
              corral farm rm --all
            """,
        subcommands: [FarmUp.self, FarmAdd.self, FarmRemove.self, FarmList.self, FarmStart.self, FarmStop.self, FarmProxyConfig.self]
    )
}

struct FarmOptions: ParsableArguments {
    @OptionGroup var box: BoxOptions

    @Option(help: ArgumentHelp("The farm's name: its boxes are <farm>-proxy and <farm>-<site>.", valueName: "name"))
    var farm: String = "farm"

    func open() throws -> Farm {
        do {
            return try Farm(name: farm, host: box.host)
        } catch {
            throw ValidationError("--farm: \(error)")
        }
    }
}

/// What up and add make boxes with.
struct FarmSiteOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The domain the proxy routes under (default: <farm>.test).", valueName: "domain"))
    var domain: String?

    @Option(help: ArgumentHelp("The proxy's host port.", valueName: "port"))
    var port: Int = 8080

    @Option(
        help: ArgumentHelp(
            "The public key ssh accepts for root in every site (default: ~/.ssh/id_ed25519.pub or id_rsa.pub).", valueName: "file"))
    var key: String?

    @Option(help: ArgumentHelp("The first host port tried for the sites' ssh.", valueName: "port"))
    var sshPortBase: Int = 2201

    @OptionGroup var bridgeOptions: BridgeOptions

    @Option(help: ArgumentHelp("Each site's disk.", valueName: "size"))
    var disk: String = "1G"

    func settings(farm: String) throws -> Farm.Settings {
        guard (1...65535).contains(port) else { throw ValidationError("--port: from 1 to 65535, not \(port)") }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let candidates = key.map { [$0] } ?? ["\(home)/.ssh/id_ed25519.pub", "\(home)/.ssh/id_rsa.pub"]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            throw ValidationError(
                "no public key at \(candidates.joined(separator: " or ")); give one with --key FILE (ssh-keygen -t ed25519 makes one)")
        }
        let publicKey = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard publicKey.hasPrefix("ssh-") || publicKey.hasPrefix("ecdsa-"), !publicKey.contains("\n") else {
            throw ValidationError("--key \(path): not one OpenSSH public key (ssh-ed25519 AAAA...)")
        }
        return Farm.Settings(
            domain: domain ?? "\(farm).test", port: port, publicKey: publicKey, sshPortBase: sshPortBase,
            bridge: bridgeOptions.bridgeName, subnet: bridgeOptions.subnetCIDR, disk: try ByteSize.parse(disk, what: "--disk"))
    }
}

private func farmProgress(_ line: String) {
    var standardError = StandardError()
    print("corral farm: \(line)", to: &standardError)
}

/// Runs `body`, turning box errors into one line and exit 1.
private func farmAction(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        var standardError = StandardError()
        print("corral farm: \(error)", to: &standardError)
        throw ExitCode.failure
    }
}

struct FarmUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Bring up the proxy and sites site1...siteN (those missing), start them, route them.")

    @OptionGroup var options: FarmOptions
    @OptionGroup var site: FarmSiteOptions

    @Argument(help: "How many sites.")
    var sites: Int = 3

    func run() async throws {
        guard (1...200).contains(sites) else { throw ValidationError("the number of sites: from 1 to 200, not \(sites)") }
        let farm = try options.open()
        let settings = try site.settings(farm: options.farm)
        try await farmAction {
            if (try? farm.host.images.resolve(WebImage.name)) == nil {
                guard let mirror = BoxImages.defaultMirror(suite: "bookworm") else {
                    throw ValidationError(
                        "no Debian mirror for bookworm in /etc/apt/sources.list*; corral box image build web --preset web --mirror URL")
                }
                _ = try await farm.host.images.build(WebImage.name, recipe: WebImage.recipe(mirror: mirror)) {
                    farmProgress("image: \($0)")
                }
            }
            try await farm.up(sites: sites, settings: settings, progress: farmProgress)
            let status = await farm.status(probe: false)
            print(
                "farm \(status.farm): http://127.0.0.1:\(status.port.map(String.init) ?? "?")/ routes \(status.sites.map(\.host).joined(separator: ", "))"
            )
        }
    }
}

struct FarmAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a site and route it (the proxy reloads without dropping connections).")

    @OptionGroup var options: FarmOptions
    @OptionGroup var site: FarmSiteOptions

    @Argument(help: "The site's name: also its host name's first label.")
    var name: String

    func run() async throws {
        let farm = try options.open()
        let settings = try site.settings(farm: options.farm)
        try await farmAction { try await farm.add(name, settings: settings, progress: farmProgress) }
    }
}

struct FarmRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove a site (unrouted first, then its box), or with --all every farm's boxes.")

    @OptionGroup var options: FarmOptions

    @Flag(help: "Remove every farm: every box labelled corral.farm, and what a killed farm up left half-made.")
    var all = false

    @Argument(help: "The site to remove.")
    var name: String?

    func validate() throws {
        if all == (name != nil) { throw ValidationError("give a site's name, or --all") }
    }

    func run() async throws {
        let host = options.box.host
        try await farmAction {
            if all {
                for box in await host.list() where box.config.labels[Farm.farmLabel] != nil { try await host.remove(box.id, force: true) }
                try await host.sweep()
            } else if let name {
                try await options.open().remove(name)
            }
        }
    }
}

struct FarmList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "Each site: its host name, box, address, ssh port, and whether it answers.")

    @OptionGroup var options: FarmOptions

    @Flag(help: "One JSON object: farm, domain, port, proxy, proxyState, sites [{name, host, box, address, ssh, state, answers}].")
    var json = false

    func run() async throws {
        let status = try await options.open().status()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print(
            "farm \(status.farm): proxy \(status.proxy ?? "-") \(status.proxyState ?? "not made"), port \(status.port.map(String.init) ?? "-")"
        )
        var table = [["SITE", "HOST", "BOX", "ADDRESS", "SSH", "STATE", "ANSWERS"]]
        for site in status.sites {
            table.append([
                site.name, site.host, site.box, site.address, site.ssh.map(String.init) ?? "-", site.state, site.answers ? "yes" : "no",
            ])
        }
        print(BoxList.render(table), terminator: "")
    }
}

struct FarmStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start every box of the farm and route them.")

    @OptionGroup var options: FarmOptions

    func run() async throws {
        let farm = try options.open()
        try await farmAction { try await farm.start(progress: farmProgress) }
    }
}

struct FarmStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop every box of the farm; their disks and addresses stay.")

    @OptionGroup var options: FarmOptions

    func run() async throws {
        let farm = try options.open()
        try await farmAction { try await farm.stop() }
    }
}

struct FarmProxyConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy-config",
        abstract: "Print the proxy's nginx configuration for HOST=ADDRESS routes (for a farm run through corral ctl).",
        discussion: """
            corral farm writes this itself. For a farm whose boxes the control plane made,
            give it to the proxy box in CORRAL_FARM_CONF; the box's command is
            corral-web proxy. Example, with the sites' addresses from corral ctl ls:
              corral ctl create web --name proxy --runtime native -p 8080:80 \\
                --env CORRAL_FARM_CONF="$(corral farm proxy-config site1.farm.test=10.88.0.2)" \\
                -- /usr/local/sbin/corral-web proxy
            """)

    @Argument(help: ArgumentHelp("A host name and the address of the box serving it.", valueName: "host=address"))
    var routes: [String] = []

    func run() throws {
        let parsed = try routes.map { text throws -> FarmProxy.Route in
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, IPv4(parts[1]) != nil else {
                throw ValidationError("'\(text)': write HOST=ADDRESS, the address an IPv4 one (corral ctl ls shows each box's)")
            }
            return FarmProxy.Route(host: parts[0], address: parts[1])
        }
        print(FarmProxy.config(parsed), terminator: "")
    }
}
