import CorralCore
import CorralTestSupport
import DockerEngine
import Foundation
import Testing

extension EndToEnd {
    @Suite("generator.sh")
    struct GeneratorTests {
        static let images: Set<String> = ["corral/high-cpu", "corral/high-ram", "corral/low-idle", "corral/low-tick"]
        static var namePattern: Regex<(Substring, Substring)> { /corral-(high|low)-[0-9a-f]{8}/ }

        func generate(_ scratch: Scratch, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CommandResult {
            try runCommand("generator.sh", ["--label", "\(Scratch.runLabel)=\(scratch.run)"] + extra, environment: environment)
        }

        @Test("a run starts exactly 10 labelled containers from the four images; a second run adds 10 more")
        func tenPerRun() async throws {
            try await withScratch { scratch in
                let first = try generate(scratch)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.lines.count == 10, "one line per container: \(first.stdout)")

                let containers = try await scratch.listed()
                #expect(containers.count == 10)
                for container in containers {
                    let match = try #require(container.name.wholeMatch(of: Self.namePattern), "name \(container.name)")
                    let cls = String(match.1)
                    #expect(container.labels[CorralLabel.managed] == "true")
                    #expect(container.labels[CorralLabel.class] == cls)
                    #expect(Self.images.contains(container.image), "image \(container.image)")
                    #expect(container.image.hasPrefix("corral/\(cls)-"), "class \(cls) matches image \(container.image)")
                    #expect(container.state == "running")
                    #expect(first.stdout.contains(container.name), "the output names \(container.name)")
                    let details = try await scratch.docker.inspectContainer(container.id)
                    #expect(details.hostConfig.networkMode == "none")
                }

                let second = try generate(scratch)
                #expect(second.status == 0, "\(second.stderr)")
                let after = try await scratch.listed()
                #expect(after.count == 20)
                #expect(Set(after.map(\.name)).count == 20, "names are unique")
            }
        }

        @Test("--count starts that many")
        func count() async throws {
            try await withScratch { scratch in
                let result = try generate(scratch, ["--count", "3"])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(try await scratch.listed().count == 3)
            }
        }

        @Test("with the daemon unreachable it exits non-zero, says so, and creates nothing")
        func daemonDown() async throws {
            try await withScratch { scratch in
                let result = try generate(scratch, environment: ["DOCKER_HOST": "unix:///tmp/corral-no-daemon.sock"])
                #expect(result.status != 0)
                #expect(result.stderr.contains("daemon does not answer"), "\(result.stderr)")
                #expect(result.lines.isEmpty)
                #expect(try await scratch.listed().isEmpty)
            }
        }

        @Test("with an image missing it names it, exits non-zero, and creates nothing")
        func imageMissing() async throws {
            try await withScratch { scratch in
                let result = try generate(scratch, environment: ["CORRAL_IMAGE_REPO": "corral-missing"])
                #expect(result.status != 0)
                #expect(result.stderr.contains("corral-missing/high-cpu is missing"), "\(result.stderr)")
                #expect(try await scratch.listed().isEmpty)
            }
        }

        @Test(
            "bad arguments are refused with a message naming them",
            arguments: [["--count", "0"], ["--count", "x"], ["--label", "nokey"], ["--label", "corral.managed=false"], ["--bogus"]])
        func badArguments(arguments: [String]) throws {
            let result = try runCommand("generator.sh", arguments)
            #expect(result.status != 0)
            #expect(result.stderr.contains("generator:"))
            #expect(result.stdout.isEmpty)
        }

        @Test("--help explains the options")
        func help() throws {
            let result = try runCommand("generator.sh", ["--help"])
            #expect(result.status == 0)
            for option in ["--count", "--label", "--install-cron", "--remove-cron"] {
                #expect(result.stdout.contains(option))
            }
        }

        @Test("cron install adds two lines 30 s apart, is idempotent, and removal leaves unrelated lines intact")
        func cron() throws {
            let saved = try runCommand("/usr/bin/crontab", ["-l"])
            defer {
                if saved.status == 0 {
                    _ = try? runCommand("/usr/bin/crontab", ["-"], stdin: saved.stdout)
                } else {
                    _ = try? runCommand("/usr/bin/crontab", ["-r"])
                }
            }
            let unrelated = "17 3 * * * /usr/bin/true # an operator's own job"
            #expect(try runCommand("/usr/bin/crontab", ["-"], stdin: unrelated + "\n").status == 0)

            #expect(try runCommand("generator.sh", ["--install-cron"]).status == 0)
            #expect(try runCommand("generator.sh", ["--install-cron"]).status == 0)
            let installed = try runCommand("/usr/bin/crontab", ["-l"]).lines
            #expect(installed.contains(unrelated))
            let ours = installed.filter { $0.contains("generator.sh") }
            #expect(ours.count == 2, "\(installed)")
            #expect(ours.allSatisfy { $0.hasPrefix("* * * * * ") && $0.contains(repositoryRoot.path + "/generator.sh") })
            #expect(ours.filter { $0.contains("sleep 30") }.count == 1)

            #expect(try runCommand("generator.sh", ["--remove-cron"]).status == 0)
            let removed = try runCommand("/usr/bin/crontab", ["-l"]).lines
            #expect(removed == [unrelated])
        }
    }
}
