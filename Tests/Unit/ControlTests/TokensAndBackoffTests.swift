import CorralTestSupport
import Foundation
import Testing

@testable import Agent
@testable import Control

@Suite("Tokens and back-off")
struct TokensAndBackoffTests {
    @Test("a token is made once, 64 hex digits in a file only its owner reads, and read back the same")
    func tokens() throws {
        let directory = try scratchDirectory("corral-tokens")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/admin.token"
        let made = try Tokens.ensure(at: path)
        #expect(made.count == 64 && made.allSatisfy(\.isHexDigit))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Tokens.ensure(at: path) == made, "kept across starts")
        #expect(try Tokens.read(directory + "/none") == nil)
        try Data().write(to: URL(fileURLWithPath: directory + "/empty"))
        #expect(throws: TokenError.self) { try Tokens.read(directory + "/empty") }
    }

    @Test("the agent's back-off: 0.2 s doubling to 10 s, with up to half again of jitter")
    func agentBackoff() {
        #expect(
            (1...8).map { AgentService.backoff.delay(afterFailures: $0, draw: 0) }
                == [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000].map(Duration.milliseconds))
        #expect(AgentService.backoff.delay(afterFailures: 3, draw: 1) == .milliseconds(1200))
    }

    @Test("the supervisor's restart delay: 100 ms doubling to 5 s")
    func supervisorBackoff() {
        #expect(
            (1...8).map { Supervisor.backoff.delay(afterFailures: $0) }
                == [100, 200, 400, 800, 1600, 3200, 5000, 5000].map(Duration.milliseconds))
    }
}
