import ArgumentParser
import ContainerRuntime
import DockerEngine
import Enforcer
import Settings

/// Options every subcommand that talks to the daemon shares.
struct EngineOptions: ParsableArguments {
    @Option(
        name: .customLong("socket"),
        help: ArgumentHelp(
            "The Docker daemon's unix socket.", discussion: "Defaults to the path of a unix:// DOCKER_HOST, else /var/run/docker.sock.",
            valueName: "path"))
    var socketPath: String = DockerClient.defaultSocketPath()
}

/// Prints an error the way every subcommand does, with a hint when the fix is known.
func report(_ error: any Error) -> ExitCode {
    var standardError = StandardError()
    let unavailable = (error as? DockerError)?.isDaemonUnavailable == true || (error as? RuntimeError)?.isUnavailable == true
    if unavailable {
        print("corral: \(error)", to: &standardError)
        print("hint: start the engine with 'scripts/engine.sh' (or 'systemctl start docker'), or pass --socket PATH", to: &standardError)
        return ExitCode(69)  // EX_UNAVAILABLE
    }
    if error is StateLock.Held {
        print("corral: \(error)", to: &standardError)
        return ExitCode(StateLock.heldExitCode)  // EX_TEMPFAIL
    }
    if error is ConfigError {
        print("corral: \(error)", to: &standardError)
        return ExitCode(78)  // EX_CONFIG
    }
    print("corral: \(error)", to: &standardError)
    return ExitCode.failure
}
