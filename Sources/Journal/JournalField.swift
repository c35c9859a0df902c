/// The structured fields Corral writes, by name: one definition read by the
/// writer (the enforcer) and the reader (`corral journal`). The README's
/// "Journal" table lists them.
public enum JournalField: String, Sendable, CaseIterable {
    case event = "CORRAL_EVENT"
    /// What became of one decision: a ``JournalFate`` value.
    case fate = "CORRAL_FATE"
    case cycle = "CORRAL_CYCLE"
    case dryRun = "CORRAL_DRY_RUN"
    case selector = "CORRAL_SELECTOR"
    case reason = "CORRAL_REASON"
    case notice = "CORRAL_NOTICE"

    case containerID = "CONTAINER_ID"
    case containerIDFull = "CONTAINER_ID_FULL"
    case containerName = "CONTAINER_NAME"
    case containerImage = "CONTAINER_IMAGE"
    case containerClass = "CORRAL_CLASS"
    case rank = "CORRAL_RANK"
    case cpuPercent = "CORRAL_CPU_PERCENT"
    case memPercent = "CORRAL_MEM_PERCENT"
    case rssKb = "CORRAL_RSS_KB"
    case vszKb = "CORRAL_VSZ_KB"
    case exitCode = "CORRAL_EXIT_CODE"
    /// How a kill reached the processes: `cgroup.kill`, `cgroup.procs`, or `runtime`.
    case killVia = "CORRAL_KILL_VIA"
    /// Milliseconds from the first SIGKILL until the container's cgroup was empty.
    case emptiedMs = "CORRAL_EMPTIED_MS"
    /// Why the cgroup could not be emptied directly (the runtime's removal killed it).
    case cgroupError = "CORRAL_CGROUP_ERROR"

    /// What woke a pressure cycle: `floor` (MemAvailable under it) or `stall` (a PSI trigger).
    case pressureTrigger = "CORRAL_PRESSURE_TRIGGER"
    /// The PSI file whose trigger fired.
    case psiFile = "CORRAL_PSI_FILE"
    case psiSomeAvg10 = "CORRAL_PSI_SOME_AVG10"
    case psiFullAvg10 = "CORRAL_PSI_FULL_AVG10"
    /// MemAvailable when the pressure was seen, and the floor, in KiB.
    case memAvailableKb = "CORRAL_MEM_AVAILABLE_KB"
    case memFloorKb = "CORRAL_MEM_FLOOR_KB"
    /// MemAvailable once the pressure cycle's kills were done, in KiB.
    case memAvailableAfterKb = "CORRAL_MEM_AVAILABLE_AFTER_KB"
    /// Milliseconds from the pressure being seen to the cycle's start.
    case wakeMs = "CORRAL_WAKE_MS"

    case managed = "CORRAL_MANAGED"
    case kept = "CORRAL_KEPT"
    case killed = "CORRAL_KILLED"
    case plannedKills = "CORRAL_PLANNED_KILLS"
    case started = "CORRAL_STARTED"
    case unmeasured = "CORRAL_UNMEASURED"
    case source = "CORRAL_SOURCE"
    case memUsedKb = "CORRAL_MEM_USED_KB"
    case durationMs = "CORRAL_DURATION_MS"

    case collectorURL = "CORRAL_COLLECTOR_URL"
    case spoolDepth = "CORRAL_SPOOL_DEPTH"
    case delivered = "CORRAL_DELIVERED"
    case dropped = "CORRAL_DROPPED"
    case stream = "CORRAL_STREAM"
    case graphs = "CORRAL_GRAPHS"
}

/// Every value of `CORRAL_EVENT`, one definition for the writer and the reader.
public enum JournalEvent: String, Sendable, CaseIterable {
    case start, stop, cycle, error
    /// A decision to keep a container.
    case keep
    /// A container killed (or, in a dry run, one that would be).
    case kill
    /// A kill that did not happen: refused by the last gate, or failed twice.
    case killFailed = "kill_failed"
    /// A surplus container capped instead of killed, and the cap lifted when it is kept again.
    case throttle, unthrottle
    /// Memory pressure woke a cycle before its tick: what was seen, and what it took.
    case pressure
    case unmeasured
    case startContainer = "start_container"
    case startExited = "start_exited"
    case collectorUp = "collector_up"
    case collectorDown = "collector_down"
    case deliveryFailed = "delivery_failed"
    case deliveryResumed = "delivery_resumed"
    case spoolDropped = "spool_dropped"
    case spoolRepaired = "spool_repaired"
    case recordRejected = "record_rejected"
    case graphs
    case graphsFailed = "graphs_failed"
    case generatorStopped = "generator_stopped"
}
