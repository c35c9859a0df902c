import CorralCore
import CorralTestSupport
import Testing

@testable import Probe

@Suite("Bad documents end in typed errors")
struct SysinfoFuzzTests {
    enum Mutation: CaseIterable {
        case truncate, flipByte, insertJunk, deleteSpan, duplicateSpan, nonUTF8, hugeNumber, negate, deepen
    }

    func mutate(_ bytes: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var out = bytes
        let at = Int.random(in: 0..<max(out.count, 1), using: &rng)
        switch Mutation.allCases.randomElement(using: &rng) ?? .truncate {
        case .truncate: out = Array(out.prefix(at))
        case .flipByte: if !out.isEmpty { out[at] ^= UInt8.random(in: 1...255, using: &rng) }
        case .insertJunk:
            out.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
        case .deleteSpan: out.removeSubrange(at..<min(out.count, at + Int.random(in: 1...40, using: &rng)))
        case .duplicateSpan: out.insert(contentsOf: out[at..<min(out.count, at + Int.random(in: 1...60, using: &rng))], at: at)
        case .nonUTF8: out.insert(contentsOf: [0xC3, 0x28, 0xFF], at: at)
        case .hugeNumber: out.insert(contentsOf: Array(String(repeating: "9", count: 70).utf8), at: at)
        case .negate: out.insert(UInt8(ascii: "-"), at: at)
        case .deepen: out.insert(contentsOf: Array(String(repeating: "[", count: 200).utf8), at: at)
        }
        return out
    }

    @Test("5,000 mutated documents each parse or fail with a SysinfoError; none crash or hang")
    func mutations() throws {
        let valid = try fixture("kernel-two-containers.json")
        var rng = SeededRandom(state: 0xC0_55A1)
        var parsed = 0
        var refused = 0
        for _ in 0..<5_000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...3, using: &rng) { bytes = mutate(bytes, &rng) }
            do {
                _ = try SysinfoReader.parse(bytes)
                parsed += 1
            } catch {
                // Typed by the signature; the message must still say something.
                #expect(!error.description.isEmpty)
                refused += 1
            }
        }
        #expect(refused > 4_000, "most mutations break the document (\(parsed) still parsed)")
    }

    @Test("wrong types in every field are refused", arguments: ["null", "true", "\"x\"", "[]", "{}", "-1", "1.5"])
    func wrongTypes(value: String) throws {
        let compact = try SysinfoReader.parse(try fixture("kernel-two-containers.json")).jsonText()
        for key in ["pid", "ppid", "vsz_kb", "rss_kb", "cpu_time_ns", "start_time_ns", "taken_at_ns", "boot_ns", "total_kb"] {
            guard let range = compact.range(of: "\"\(key)\":") else { continue }
            let end = compact[range.upperBound...].firstIndex(where: { $0 == "," || $0 == "}" }) ?? compact.endIndex
            let broken = compact.replacingCharacters(in: range.upperBound..<end, with: value)
            #expect(throws: SysinfoError.self, "\(key) = \(value)") { try SysinfoReader.parse(Array(broken.utf8)) }
        }
    }

    func randomDocument(_ rng: inout SeededRandom) -> SysinfoDocument {
        let hex = Array("0123456789abcdef")
        func text() -> String {
            let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "\n", "\u{01}", "\u{7F}", "\u{e9}", "\u{80}", "\u{1F600}", "/"]
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...20, using: &rng) { s.append(alphabet.randomElement(using: &rng) ?? "a") }
            return String(s)
        }
        let containers = (0..<Int.random(in: 0...5, using: &rng)).map { _ -> SysinfoDocument.Container in
            let id = String((0..<64).map { _ in hex.randomElement(using: &rng) ?? "0" })
            let processes = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                SysinfoDocument.Process(
                    pid: Int32.random(in: 1...Int32.max, using: &rng), ppid: Int32.random(in: 0...Int32.max, using: &rng), name: text(),
                    cmdline: text(),
                    vszKb: UInt64.random(in: 0...UInt64.max, using: &rng), rssKb: UInt64.random(in: 0...1 << 40, using: &rng),
                    memPercent: Percent(hundredths: UInt64.random(in: 0...10_000, using: &rng)),
                    cpuTimeNs: UInt64.random(in: 0...UInt64.max, using: &rng),
                    startTimeNs: UInt64.random(in: 0...1 << 50, using: &rng),
                    cpuPercent: Percent(hundredths: UInt64.random(in: 0...80_000, using: &rng)))
            }
            return .init(
                id: id, cgroup: Bool.random(using: &rng) ? "/docker/\(id)" : "/system.slice/docker-\(id).scope", processes: processes)
        }
        return SysinfoDocument(
            source: Bool.random(using: &rng) ? .kernel : .procfs, takenAtNs: UInt64.random(in: 0...UInt64.max, using: &rng),
            bootNs: UInt64.random(in: 0...UInt64.max, using: &rng),
            memory: HostMemory(totalKb: UInt64.random(in: 0...1 << 40, using: &rng), freeKb: 1, availableKb: 2, usedKb: 3),
            containers: containers)
    }

    @Test("any document the writer produces, the reader reads back equal (500 random documents)")
    func writerReaderRoundTrip() throws {
        var rng = SeededRandom(state: 42)
        for _ in 0..<500 {
            let doc = randomDocument(&rng)
            #expect(try SysinfoReader.parse(Array(doc.jsonText().utf8)) == doc)
            #expect(try SysinfoReader.parse(Array(doc.jsonText(pretty: true).utf8)) == doc)
        }
    }
}
