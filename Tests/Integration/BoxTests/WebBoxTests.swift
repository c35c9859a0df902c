import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

/// The web image (`corral box image build web --preset web`), built once into the host's image cache.
enum WebTestImage {
    static let built = Task<Void, any Error> {
        guard let mirror = BoxImages.defaultMirror(suite: "bookworm") else {
            throw BoxError.invalid("no Debian mirror for bookworm in /etc/apt/sources.list*")
        }
        _ = try await BoxImages(paths: BoxPaths(root: "/var/lib/corral", images: TestImage.cache)).build(
            WebImage.name, recipe: WebImage.recipe(mirror: mirror))
    }
}

extension Boxes {
    @Suite("The web image: sshd for keys only, nginx, MariaDB, on the box's own disk")
    struct WebBoxTests {
        @Test(
            "a web box's page reads its own database; ssh with its key answers its name, a password is refused; stop and start keep it all")
        func webBox() async throws {
            try await WebTestImage.built.value
            let net = TestNetwork()
            let key = try SSHKey()
            defer { key.remove() }
            try await TestBoxes.using { boxes in
                let port = try freeLoopbackPort()
                _ = try await boxes.host.create(
                    name: "site1", image: WebImage.name, command: WebImage.command,
                    environment: ["\(WebImage.keyVariable)=\(key.publicKey)"],
                    limits: BoxLimits(disk: 512 << 20), network: net.request(publish: [PortMapping(hostPort: port, boxPort: 22)]))
                try await boxes.host.start("site1")
                #expect(try net.get("http://\(net.host(2))/", within: .seconds(60)) == "hello from site1\n")

                let ssh = try key.ssh(port: port, ["hostname"])
                #expect(ssh.status == 0 && ssh.stdout == "site1\n", "\(ssh.stderr)")
                let password = try key.ssh(port: port, ["hostname"], password: true)
                #expect(password.status != 0 && password.stderr.contains("Permission denied"), "\(password.stderr)")

                let changed = try await boxes.exec("site1", ["mariadb", "-e", "UPDATE site.page SET greeting = 'kept' WHERE id = 1"])
                #expect(changed.status == 0, "\(changed.stderr)")
                try await boxes.host.stop("site1")
                try await boxes.host.start("site1")
                #expect(try net.get("http://\(net.host(2))/", within: .seconds(60)) == "kept\n", "same address, same data")
            }
            #expect(net.leftovers().isEmpty, "\(net.leftovers())")
        }
    }
}

/// An ed25519 key pair of the test's own, and ssh as a person types it.
struct SSHKey {
    let directory: String
    let publicKey: String

    init() throws {
        directory = "/tmp/corral-ssh-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let made = try runCommand("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "corral-test", "-f", directory + "/key"])
        guard made.status == 0 else { throw BoxError.command("ssh-keygen", reason: made.stderr) }
        publicKey = try String(contentsOfFile: directory + "/key.pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// ssh root@127.0.0.1 -p PORT with this key, or offering only a password.
    func ssh(port: Int, _ command: [String], password: Bool = false) throws -> CommandResult {
        var options = [
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
        ]
        options += password ? ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password"] : ["-i", directory + "/key"]
        return try runCommand("/usr/bin/ssh", options + ["-p", String(port), "root@127.0.0.1"] + command)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
