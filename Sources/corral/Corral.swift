// corral: the command line. Each subcommand is a thin shell over the modules
// that do the work; errors reach the user as one line that says what to do.

import ArgumentParser

@main
struct Corral: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corral",
        abstract: "A cgroup-aware resource enforcer and autoscaler for Docker hosts.",
        discussion: """
            Corral keeps a Docker host at a chosen mix of workloads: it ranks the
            containers labelled corral.managed=true by what they consume and removes
            the surplus. Containers without that label, and those labelled
            corral.protected=true, are never touched.
            """,
        version: "0.1.0",
        subcommands: [
            PsCommand.self, SysinfoCommand.self, PlanCommand.self, ReplayCommand.self, EnforceCommand.self, JournalCommand.self,
            ControlCommand.self,
            AgentCommand.self,
            CtlCommand.self, BoxCommand.self, FarmCommand.self,
        ]
    )
}
