import CorralCore

extension SysinfoDocument {
    /// Reads a document from a parsed JSON value, refusing anything the v1
    /// schema does not allow: unknown or missing keys, wrong types, negative
    /// or fractional counts, ids that are not 64 hex characters.
    public init(json: JSONValue, path: String = "-") throws(SysinfoError) {
        let reader = FieldReader(path: path)
        guard case .object(let root) = json else {
            throw .invalidField(path: path, field: "the document", reason: "must be an object, not \(json.kind)")
        }
        // The schema first: a v2 document should say "v2", not list v2's differences.
        guard case .string(let schema)? = root["schema"] else {
            throw .invalidField(path: path, field: "schema", reason: "is missing or not a string")
        }
        guard schema == SysinfoDocument.schemaV1 else { throw .unsupportedSchema(path: path, schema: schema) }
        try reader.only(["schema", "source", "taken_at_ns", "boot_ns", "memory", "containers", "containers_omitted"], in: root, at: "")

        let sourceText = try reader.string(root, "source", at: "")
        guard let source = Source(rawValue: sourceText) else {
            throw .invalidField(path: path, field: "source", reason: "must be \"kernel\" or \"procfs\", not \"\(sourceText)\"")
        }
        self.source = source
        takenAtNs = try reader.count(root, "taken_at_ns", at: "")
        bootNs = try reader.count(root, "boot_ns", at: "")

        let memory = try reader.object(root, "memory", at: "")
        try reader.only(["total_kb", "free_kb", "available_kb", "used_kb"], in: memory, at: "memory")
        self.memory = HostMemory(
            totalKb: try reader.count(memory, "total_kb", at: "memory"), freeKb: try reader.count(memory, "free_kb", at: "memory"),
            availableKb: try reader.count(memory, "available_kb", at: "memory"), usedKb: try reader.count(memory, "used_kb", at: "memory"))

        var containers: [Container] = []
        for (i, item) in try reader.array(root, "containers", at: "").enumerated() {
            let at = "containers[\(i)]"
            guard case .object(let fields) = item else { throw reader.invalid(at, "must be an object, not \(item.kind)") }
            try reader.only(["id", "cgroup", "processes", "processes_omitted"], in: fields, at: at)
            let id = try reader.string(fields, "id", at: at)
            guard id.utf8.count == 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw reader.invalid("\(at).id", "must be 64 lowercase hex characters, not \"\(id.prefix(80))\"")
            }
            let cgroup = try reader.string(fields, "cgroup", at: at)
            var processes: [Process] = []
            for (j, entry) in try reader.array(fields, "processes", at: at).enumerated() {
                let pat = "\(at).processes[\(j)]"
                guard case .object(let p) = entry else { throw reader.invalid(pat, "must be an object, not \(entry.kind)") }
                try reader.only(
                    ["pid", "ppid", "name", "cmdline", "vsz_kb", "rss_kb", "mem_percent", "cpu_time_ns", "start_time_ns", "cpu_percent"],
                    in: p, at: pat)
                let pid = try reader.count(p, "pid", at: pat)
                let ppid = try reader.count(p, "ppid", at: pat)
                guard pid >= 1, pid <= UInt64(Int32.max) else {
                    throw reader.invalid("\(pat).pid", "must be a pid from 1 to \(Int32.max), not \(pid)")
                }
                guard ppid <= UInt64(Int32.max) else { throw reader.invalid("\(pat).ppid", "must be at most \(Int32.max), not \(ppid)") }
                processes.append(
                    Process(
                        pid: Int32(pid), ppid: Int32(ppid), name: try reader.string(p, "name", at: pat),
                        cmdline: try reader.string(p, "cmdline", at: pat), vszKb: try reader.count(p, "vsz_kb", at: pat),
                        rssKb: try reader.count(p, "rss_kb", at: pat), memPercent: try reader.percent(p, "mem_percent", at: pat),
                        cpuTimeNs: try reader.count(p, "cpu_time_ns", at: pat), startTimeNs: try reader.count(p, "start_time_ns", at: pat),
                        cpuPercent: try reader.percent(p, "cpu_percent", at: pat)))
            }
            let omitted = try reader.optionalCount(fields, "processes_omitted", at: at)
            containers.append(Container(id: id, cgroup: cgroup, processes: processes, processesOmitted: omitted))
        }
        self.containers = containers
        containersOmitted = try reader.optionalCount(root, "containers_omitted", at: "")
    }

    /// The document as JSON text, in the kernel module's layout: one container
    /// per line when compact, indented when `pretty`.
    public func jsonText(pretty: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(256 + containers.count * 512)
        let nl = pretty ? "\n" : ""
        func indent(_ level: Int) -> String { pretty ? String(repeating: "  ", count: level) : "" }
        let sep = pretty ? ": " : ":"
        out += "{\(nl)"
        out += "\(indent(1))\"schema\"\(sep)\"\(SysinfoDocument.schemaV1)\",\(nl)"
        out += "\(indent(1))\"source\"\(sep)\"\(source.rawValue)\",\(nl)"
        out += "\(indent(1))\"taken_at_ns\"\(sep)\(takenAtNs),\(nl)"
        out += "\(indent(1))\"boot_ns\"\(sep)\(bootNs),\(nl)"
        out += "\(indent(1))\"memory\"\(sep){\"total_kb\"\(sep)\(memory.totalKb),\"free_kb\"\(sep)\(memory.freeKb),"
        out += "\"available_kb\"\(sep)\(memory.availableKb),\"used_kb\"\(sep)\(memory.usedKb)},\(nl)"
        out += "\(indent(1))\"containers\"\(sep)["
        for (i, c) in containers.enumerated() {
            out += i == 0 ? "\(nl)" : ",\(nl)"
            out += "\(indent(2)){\"id\"\(sep)\"\(c.id)\",\"cgroup\"\(sep)\(JSONEscape.quote(c.cgroup)),\"processes\"\(sep)["
            for (j, p) in c.processes.enumerated() {
                out += j == 0 ? "\(nl)" : ",\(nl)"
                out += "\(indent(3)){\"pid\"\(sep)\(p.pid),\"ppid\"\(sep)\(p.ppid),\"name\"\(sep)\(JSONEscape.quote(p.name)),"
                out += "\"cmdline\"\(sep)\(JSONEscape.quote(p.cmdline)),\"vsz_kb\"\(sep)\(p.vszKb),\"rss_kb\"\(sep)\(p.rssKb),"
                out += "\"mem_percent\"\(sep)\(p.memPercent),\"cpu_time_ns\"\(sep)\(p.cpuTimeNs),"
                out += "\"start_time_ns\"\(sep)\(p.startTimeNs),\"cpu_percent\"\(sep)\(p.cpuPercent)}"
            }
            out += c.processes.isEmpty ? "]" : "\(nl)\(indent(2))]"
            out += c.processesOmitted > 0 ? ",\"processes_omitted\"\(sep)\(c.processesOmitted)}" : "}"
        }
        out += containers.isEmpty ? "]" : "\(nl)\(indent(1))]"
        out += containersOmitted > 0 ? ",\(nl)\(indent(1))\"containers_omitted\"\(sep)\(containersOmitted)\(nl)" : "\(nl)"
        out += "}\n"
        return out
    }
}

/// Typed reads of an object's fields, each failure naming the field's path.
private struct FieldReader {
    let path: String

    func invalid(_ field: String, _ reason: String) -> SysinfoError {
        .invalidField(path: path, field: field, reason: reason)
    }

    func name(_ at: String, _ key: String) -> String { at.isEmpty ? key : "\(at).\(key)" }

    func only(_ keys: Set<String>, in object: [String: JSONValue], at: String) throws(SysinfoError) {
        for key in object.keys.sorted() where !keys.contains(key) {
            throw invalid(name(at, key), "is not a field of \(SysinfoDocument.schemaV1)")
        }
    }

    func field(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> JSONValue {
        guard let value = object[key] else { throw invalid(name(at, key), "is missing") }
        return value
    }

    func string(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> String {
        let value = try field(object, key, at: at)
        guard case .string(let text) = value else { throw invalid(name(at, key), "must be a string, not \(value.kind)") }
        return text
    }

    func object(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> [String: JSONValue] {
        let value = try field(object, key, at: at)
        guard case .object(let fields) = value else { throw invalid(name(at, key), "must be an object, not \(value.kind)") }
        return fields
    }

    func array(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> [JSONValue] {
        let value = try field(object, key, at: at)
        guard case .array(let items) = value else { throw invalid(name(at, key), "must be an array, not \(value.kind)") }
        return items
    }

    /// A non-negative integer that fits 64 bits.
    func count(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> UInt64 {
        let value = try field(object, key, at: at)
        guard case .number(let text) = value else { throw invalid(name(at, key), "must be a number, not \(value.kind)") }
        guard let number = UInt64(text) else {
            throw invalid(name(at, key), "must be a non-negative integer of at most 64 bits, not \(text)")
        }
        return number
    }

    /// A count the document may leave out (the size bound's omissions): 0 when absent.
    func optionalCount(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> UInt64 {
        object[key] == nil ? 0 : try count(object, key, at: at)
    }

    /// A non-negative number, kept to hundredths.
    func percent(_ object: [String: JSONValue], _ key: String, at: String) throws(SysinfoError) -> Percent {
        let value = try field(object, key, at: at)
        guard case .number(let text) = value else { throw invalid(name(at, key), "must be a number, not \(value.kind)") }
        guard !text.hasPrefix("-"), let number = Double(text), number.isFinite, number < 1e15 else {
            throw invalid(name(at, key), "must be a non-negative percentage, not \(text)")
        }
        return Percent(hundredths: UInt64((number * 100).rounded()))
    }
}

/// JSON string literals as the kernel module writes them: quotes, backslashes
/// and control characters escaped, everything else as UTF-8.
enum JSONEscape {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
