import CorralCore
import CorralTestSupport
import Foundation
import Testing

extension EndToEnd {
    @Suite("corral ps")
    struct PsCommandTests {
        let corral = ".build/debug/corral"

        @Test("lists managed containers with class, image, status and age; leaves out unmanaged ones")
        func lists() async throws {
            try await withScratch { scratch in
                let managed = "corral-high-ps\(scratch.run.suffix(6))"
                let unmanaged = "corral-unmanaged-\(scratch.run)"
                try await scratch.container(
                    image: "corral/high-ram", name: managed, labels: [CorralLabel.managed: "true", CorralLabel.class: "high"],
                    env: ["STRESS_MEGABYTES": "8"])
                try await scratch.container(name: unmanaged)

                let table = try runCommand(corral, ["ps"])
                #expect(table.status == 0, "\(table.stderr)")
                #expect(table.lines.first?.hasPrefix("NAME") == true)
                let row = try #require(table.lines.first { $0.hasPrefix(managed) })
                #expect(row.contains("high") && row.contains("corral/high-ram") && row.contains("Up"))
                #expect(!table.stdout.contains(unmanaged))

                let json = try runCommand(corral, ["ps", "--json"])
                let objects = try json.lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
                let mine = try #require(objects.first { $0["name"] as? String == managed })
                #expect(mine["class"] as? String == "high")
                #expect(mine["image"] as? String == "corral/high-ram")
                #expect(mine["state"] as? String == "running")
            }
        }

        @Test("with the daemon down it names the socket, hints how to start it, and exits 69")
        func daemonDown() throws {
            let result = try runCommand(corral, ["ps", "--socket", "/tmp/corral-no-daemon.sock"])
            #expect(result.status == 69)
            #expect(result.stderr.contains("/tmp/corral-no-daemon.sock"))
            #expect(result.stderr.contains("scripts/engine.sh"))
        }

        @Test("--help teaches the command")
        func help() throws {
            let result = try runCommand(corral, ["ps", "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("corral.managed=true"))
            #expect(result.stdout.contains("--all"))
        }
    }
}
