import CorralCore
import Foundation
import Testing

@testable import Probe

func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return Array(try Data(contentsOf: url))
}

@Suite("Reading a sysinfo document")
struct SysinfoReaderTests {
    @Test("a kernel document reads into containers and processes with every field")
    func reads() throws {
        let doc = try SysinfoReader.parse(try fixture("kernel-two-containers.json"), path: "fixture")
        #expect(doc.source == .kernel)
        #expect(doc.bootNs == 189_770_881_000)
        #expect(doc.memory == HostMemory(totalKb: 24_684_084, freeKb: 16_384_176, availableKb: 23_179_776, usedKb: 1_504_308))
        #expect(doc.containers.count == 2)
        let first = doc.containers[0]
        #expect(first.id == String(repeating: "a", count: 63) + "1")
        #expect(first.processes.map(\.pid) == [4242, 4250])
        #expect(first.processes[0].cpuPercent == Percent(hundredths: 15_000))
        #expect(first.processes[1].cmdline == "say \"hi\" \\ \u{e9}\u{80}\n")
        #expect(doc.containers[1].cgroup.hasSuffix(".scope"))
        #expect(doc.containers[1].processes[0].memPercent.description == "1.06")
    }

    @Test("an empty host is an empty container list")
    func emptyHost() throws {
        let doc = try SysinfoReader.parse(try fixture("empty-host.json"))
        #expect(doc.containers.isEmpty)
        #expect(doc.source == .procfs)
    }

    @Test("a document written and read again is the same document, compact or pretty")
    func roundTrip() throws {
        let doc = try SysinfoReader.parse(try fixture("kernel-two-containers.json"))
        #expect(try SysinfoReader.parse(Array(doc.jsonText().utf8)) == doc)
        #expect(try SysinfoReader.parse(Array(doc.jsonText(pretty: true).utf8)) == doc)
    }

    @Test("an unknown schema version is an error that names it")
    func unknownSchema() throws {
        let error = #expect(throws: SysinfoError.self) {
            try SysinfoReader.parse(try fixture("schema-v2.json"), path: "/proc/sysinfo_corral")
        }
        #expect(error == .unsupportedSchema(path: "/proc/sysinfo_corral", schema: "corral.sysinfo/v2"))
        #expect(error?.description.contains("corral.sysinfo/v2") == true)
    }

    @Test("malformed JSON is an error with its byte offset")
    func malformed() throws {
        var bytes = try fixture("kernel-two-containers.json")
        // Break the first digit of boot_ns's value: the offset is that byte.
        let text = String(decoding: bytes, as: UTF8.self)
        let value = try #require(text.range(of: "189770881000"))
        let at = text.utf8.distance(from: text.startIndex, to: value.lowerBound)
        bytes[at] = UInt8(ascii: "}")
        let error = #expect(throws: SysinfoError.self) { try SysinfoReader.parse(bytes, path: "doc") }
        guard case .malformedJSON(let path, let offset, _) = error else {
            Issue.record("expected malformedJSON, got \(String(describing: error))")
            return
        }
        #expect(path == "doc")
        #expect(offset == at)
        #expect(error?.description.contains("at byte") == true)
    }

    @Test("a missing file is moduleNotLoaded, naming the path")
    func missingFile() {
        let reader = SysinfoReader(path: "/proc/sysinfo_corral_missing")
        #expect(!reader.isAvailable)
        #expect(throws: SysinfoError.moduleNotLoaded(path: "/proc/sysinfo_corral_missing")) { try reader.read() }
    }

    @Test("a file larger than the limit is refused before parsing")
    func tooLarge() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).json").path
        try Data(repeating: 0x20, count: 2048).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: SysinfoError.tooLarge(path: path, limit: 1024)) { try SysinfoReader(path: path, maxBytes: 1024).read() }
    }

    static let badFields: [(String, String, String)] = [
        (#""rss_kb":772"#, #""rss_kb":-5"#, "containers[0].processes[0].rss_kb"),
        (#""rss_kb":772"#, #""rss_kb":7.5"#, "containers[0].processes[0].rss_kb"),
        (#""rss_kb":772"#, #""rss_kb":"772""#, "containers[0].processes[0].rss_kb"),
        (#""rss_kb":772"#, #""rss_kb":99999999999999999999999"#, "containers[0].processes[0].rss_kb"),
        (#""pid":4242"#, #""pid":0"#, "containers[0].processes[0].pid"),
        (#""cpu_percent":150.00"#, #""cpu_percent":-1"#, "containers[0].processes[0].cpu_percent"),
        (#""name":"high-cpu""#, #""name":null"#, "containers[0].processes[0].name"),
        (#""name":"high-cpu""#, #""name":"high-cpu","extra":1"#, "containers[0].processes[0].extra"),
        (#""source":"kernel""#, #""source":"bpf""#, "source"),
        (#""total_kb":24684084"#, #""total_kb":true"#, "memory.total_kb"),
        (#""id":"aaaa"#, #""id":"AAAA"#, "containers[0].id"),
        (#""boot_ns":189770881000,"#, "", "boot_ns"),
    ]

    @Test("a field that breaks the schema is named by its path in the document", arguments: badFields)
    func badField(original: String, replacement: String, field: String) throws {
        let compact = try SysinfoReader.parse(try fixture("kernel-two-containers.json")).jsonText()
        let broken = compact.replacingOccurrences(of: original, with: replacement)
        #expect(broken != compact, "the fixture holds \(original)")
        let error = #expect(throws: SysinfoError.self) { try SysinfoReader.parse(Array(broken.utf8), path: "doc") }
        guard case .invalidField(_, let named, _) = error else {
            Issue.record("expected invalidField for \(field), got \(String(describing: error))")
            return
        }
        #expect(named == field)
    }
}
