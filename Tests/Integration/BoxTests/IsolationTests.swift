import BoxRuntime
import CorralTestSupport
import Foundation
import Testing

extension Boxes {
    @Suite("Isolation like runc's")
    struct IsolationTests {
        @Test("inside, the box's init is PID 1 and no host process is visible")
        func pidNamespace() async throws {
            try await TestBoxes.using { boxes in
                _ = try await boxes.create("pids")
                try await boxes.host.start("pids")
                let first = try await boxes.shell("pids", "head -n 1 /proc/1/status")
                #expect(first.stdout.contains("corral-box"), "\(first.stdout) \(first.stderr)")
                let listed = try await boxes.shell("pids", "cd /proc && for p in [0-9]*; do echo $p; done")
                let pids = listed.stdout.split(separator: "\n").compactMap { Int($0) }
                // init, the box's command and its sleep, this shell: nothing of the host's hundreds.
                #expect(pids.count <= 6, "\(pids)")
                #expect(pids.contains(1))
            }
        }

        @Test("the hostname is the box's, and the host's mounts are not there")
        func utsAndMounts() async throws {
            try await TestBoxes.using { boxes in
                _ = try await boxes.create("own_host")
                try await boxes.host.start("own_host")
                #expect(try await boxes.exec("own_host", ["hostname"]).stdout == "own-host\n")
                let mounts = try await boxes.exec("own_host", ["cat", "/proc/self/mounts"]).stdout
                let targets = mounts.split(separator: "\n").compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
                #expect(targets.first == "/")
                #expect(!targets.contains { $0.hasPrefix("/work") || $0.hasPrefix("/var") || $0.hasPrefix("/sys/fs/cgroup") }, "\(targets)")
                #expect(mounts.split(separator: "\n").first?.hasPrefix("overlay / overlay") == true, "\(mounts)")
                let devices = try await boxes.exec("own_host", ["ls", "/dev"]).stdout.split(separator: "\n").map(String.init)
                #expect(Set(devices).isSuperset(of: ["null", "zero", "full", "random", "urandom", "tty", "pts", "shm"]))
                #expect(
                    !devices.contains { $0.hasPrefix("vd") || $0.hasPrefix("sd") || $0.hasPrefix("nvme") || $0.hasPrefix("loop") },
                    "\(devices)")
                let sys = try await boxes.shell("own_host", "touch /sys/kernel/x 2>&1; echo $?")
                #expect(sys.stdout.contains("Read-only file system"))
                // The box's own network: loopback only.
                let links = try await boxes.shell("own_host", "ls /sys/class/net")
                #expect(links.stdout == "lo\n")
            }
        }

        @Test("a root process in the box cannot reach the host's root: not through /proc/1/root, a second chroot, or the host's disk")
        func noWayOut() async throws {
            try await TestBoxes.using { boxes in
                // A marker only the host's root holds.
                let marker = "corral-host-marker-" + UUID().uuidString.prefix(8).lowercased()
                _ = FileManager.default.createFile(atPath: "/" + marker, contents: Data())
                defer { try? FileManager.default.removeItem(atPath: "/" + marker) }
                _ = try await boxes.create("jail")
                try await boxes.host.start("jail")
                #expect(try await boxes.shell("jail", "id -u").stdout == "0\n")

                let viaProc = try await boxes.shell("jail", "ls -a /proc/1/root/ 2>&1; ls -a /proc/self/root/")
                #expect(!viaProc.stdout.contains(marker))

                // The classic escape: chroot into a subdirectory while the working
                // directory stays outside it, climb, chroot again.
                let escape = """
                    perl -e 'mkdir "/tmp/jail"; chroot "/tmp/jail" or die "chroot: $!"; chdir ".." for 1..64; \
                    chroot "." or die "chroot back: $!"; opendir(my $d, "/") or die; print join("\\n", sort readdir $d), "\\n"'
                    """
                let climbed = try await boxes.shell("jail", escape)
                #expect(climbed.status == 0, "\(climbed.stderr)")
                #expect(climbed.stdout.contains("bin"))
                #expect(!climbed.stdout.contains(marker), "the chroot escape reached the host's root")
                #expect(!climbed.stdout.contains("work"))

                // The host's disk: its device node is not there, one made with
                // mknod cannot be opened (nodev), and mount is not allowed.
                let device = try #require(hostRootDevice())
                let raw = try await boxes.shell(
                    "jail",
                    "mknod /tmp/disk b \(device.major) \(device.minor) && head -c 16 /tmp/disk >/dev/null && echo READ || echo refused")
                #expect(raw.stdout.contains("refused"), "\(raw.stdout) \(raw.stderr)")
                let mount = try await boxes.shell(
                    "jail", "mkdir -p /mnt/host && mount -t ext4 /tmp/disk /mnt/host 2>&1 && echo MOUNTED || echo refused")
                #expect(mount.stdout.contains("refused"), "\(mount.stdout)")
                let capabilities = try await boxes.shell("jail", "grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status")
                // Docker's default set (0x a80425fb) and no_new_privs.
                #expect(capabilities.stdout.contains("CapBnd:\t00000000a80425fb"), "\(capabilities.stdout)")
                #expect(capabilities.stdout.contains("NoNewPrivs:\t1"))
            }
        }

        /// The block device holding the host's root (major, minor), from /proc/self/mountinfo.
        func hostRootDevice() -> (major: Int, minor: Int)? {
            let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count > 4, fields[4] == "/" else { continue }
                let numbers = fields[2].split(separator: ":").compactMap { Int($0) }
                if numbers.count == 2 { return (numbers[0], numbers[1]) }
            }
            return nil
        }
    }
}
