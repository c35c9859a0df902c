// BoxRuntime: Corral's own container runtime. A box is a process tree in its
// own PID, mount, UTS, IPC, network (and cgroup) namespaces, pivot_root'ed
// into an overlay of a debootstrap'd image and a writable layer on a
// fixed-size ext4 disk, limited by cgroups (v1 or v2). The part that must run
// between fork and exec is the C helper (corral-box-helper); everything else
// is here: state files, cgroups, disks, images, and the ContainerRuntime seam.

/// Where boxes and images live on the host: one directory a box, one an image.
public struct BoxPaths: Sendable, Equatable {
    public static let defaultRoot = "/var/lib/corral"

    /// Holds `boxes/` and (unless given apart) `images/`.
    public let root: String
    public let images: String

    /// `images` apart from `root`: tests keep their boxes in a directory of
    /// their own and share the host's image cache.
    public init(root: String = BoxPaths.defaultRoot, images: String? = nil) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.images = images ?? self.root + "/images"
    }

    public var boxes: String { root + "/boxes" }

    /// One box's directory: its settings, state, disk, log.
    public func box(_ id: String) -> BoxDirectory { BoxDirectory(path: boxes + "/" + id) }
}

/// The files of one box.
public struct BoxDirectory: Sendable, Equatable {
    public let path: String

    /// What create fixed: image, command, limits, labels (BoxConfig).
    public var config: String { path + "/config.json" }
    /// What happened since: running, stopped, exited (BoxRecord).
    public var state: String { path + "/state.json" }
    /// Held (flock) by whoever changes the box.
    public var lock: String { path + "/lock" }
    /// The ext4 file system image holding the writable layer.
    public var disk: String { path + "/disk.img" }
    /// Where the disk is mounted, inside the box's mount namespace only.
    public var diskMount: String { path + "/disk" }
    /// Where the overlay root is mounted, inside the box's mount namespace only.
    public var rootfs: String { path + "/rootfs" }
    /// The command's stdout and stderr.
    public var log: String { path + "/log" }
    /// Written once by the box's init when the command ends: "exited N" or "signaled S".
    public var exit: String { path + "/exit" }
}
