import ArgumentParser
import Probe

struct SysinfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sysinfo",
        abstract: "Print every container's processes and the host's memory as corral.sysinfo/v1 JSON.",
        discussion: """
            The document the enforcer decides from: host memory in KiB and, for every
            Docker container (found by its cgroup, never by a process name), each of
            its processes with pid, ppid, command, VSZ, RSS, memory%, CPU time and
            lifetime CPU%. The schema is schemas/corral.sysinfo.v1.schema.json.

            Sources:
              kernel   the corral_sysinfo module's file (--module-file); an error when
                       the module is not loaded
              procfs   the userspace twin: each container's processes listed from its
                       cgroup (--cgroup-root), read from /proc (--proc-root)
              auto     kernel when the module's file exists, else procfs; says which
                       on stderr

            Examples:
              corral sysinfo --pretty
              corral sysinfo --source procfs | jq '.containers[].id'
              corral sysinfo --proc-root /host/proc --cgroup-root /host/sys/fs/cgroup
                                                         (inside a container)
            """
    )

    enum Source: String, ExpressibleByArgument, CaseIterable {
        case kernel, procfs, auto
    }

    @Option(help: "Where to read the document from: kernel, procfs or auto.")
    var source: Source = .auto

    @Flag(help: "Indent the JSON for reading.")
    var pretty = false

    @Option(help: ArgumentHelp("The kernel module's file.", valueName: "path"))
    var moduleFile: String = SysinfoReader.defaultPath

    @Option(help: ArgumentHelp("The /proc to read for the procfs source.", valueName: "path"))
    var procRoot: String = "/proc"

    @Option(help: ArgumentHelp("The cgroup tree the procfs source lists each container's processes from.", valueName: "path"))
    var cgroupRoot: String = "/sys/fs/cgroup"

    @Option(help: ArgumentHelp("The Docker daemon's cgroup parent (cgroupfs driver), as the module's cgroup_parent.", valueName: "path"))
    var cgroupParent: String = ContainerCgroupPath.defaultParent

    func run() throws {
        var standardError = StandardError()
        let reader = SysinfoReader(path: moduleFile)
        do {
            let document: SysinfoDocument
            switch source {
            case .kernel:
                document = try reader.read()
            case .procfs:
                document = try ProcfsProbe(procRoot: procRoot, cgroupParent: cgroupParent, cgroupRoot: cgroupRoot).document()
            case .auto:
                if reader.isAvailable {
                    print("corral: sysinfo source: kernel (\(moduleFile))", to: &standardError)
                    document = try reader.read()
                } else {
                    print(
                        "corral: sysinfo source: procfs (\(procRoot); \(moduleFile) is absent: the module is not loaded)",
                        to: &standardError)
                    document = try ProcfsProbe(procRoot: procRoot, cgroupParent: cgroupParent, cgroupRoot: cgroupRoot).document()
                }
            }
            print(document.jsonText(pretty: pretty), terminator: "")
        } catch {
            throw report(error)
        }
    }
}
