import CKernel
import ConvergeKernelTestSupport
@testable import ConvergeWasm
import Foundation
import Testing

/// `CKernel/abi.json` is the one description of the contract between the C, Swift and JS: the
/// `ck_status_t` codes and names and the ckw records' word indexes. Each copy is checked against
/// it, both ways (nothing missing, nothing extra, every value equal): the C (`ckernel.h`,
/// `ck_status_name`, `ck_wasm.c`), the Swift records (`CkwRecords.swift`) and the JS module
/// (`wasm-host/abi.mjs`, and what host.mjs and js-kernel.mjs report with it), so a drift fails CI.
///
/// The JS check needs `node` ≥ 18: skipped without it, unless CONVERGE_REQUIRE_NODE=1 (CI), when
/// it fails (as V8DifferentialTests).
@Suite struct ABIDescriptionTests {
    struct Description: Decodable {
        struct Status: Decodable {
            let code: Int
            let enumerator: String
            let name: String
        }
        struct Field: Decodable {
            let name: String
            let index: Int
            let width: Int?
        }
        struct Record: Decodable {
            let prefix: String
            let words: Int
            let fields: [Field]

            /// Every C enumerator of the record and its value: PREFIX + field name, and
            /// PREFIX + "WORDS" = the record's length.
            var cNames: [String: Int] {
                var d = [prefix + "WORDS": words]
                for f in fields { d[prefix + f.name] = f.index }
                return d
            }
        }
        let statuses: [Status]
        let out: Record
        let layout: Record
        let txn: Record

        var records: [(key: String, record: Record)] { [("out", out), ("layout", layout), ("txn", txn)] }
    }

    static let root = GoldenFile.packageRoot()

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    static func description() throws -> Description {
        try JSONDecoder().decode(Description.self, from: Data(contentsOf: root.appendingPathComponent("CKernel/abi.json")))
    }

    /// C text without its comments.
    static func withoutComments(_ c: String) -> String {
        c.replacing(#/\/\*[\s\S]*?\*\//#, with: " ").replacing(#/\/\/[^\n]*/#, with: " ")
    }

    /// `NAME = 123` pairs of a C enum body whose names match `pattern`.
    static func enumerators(_ body: Substring, _ pattern: Regex<(Substring, Substring, Substring)>) -> [String: Int] {
        var d: [String: Int] = [:]
        for m in body.matches(of: pattern) { d[String(m.output.1)] = Int(m.output.2) }
        return d
    }

    /// "opSeqLo" → "OP_SEQ_LO" (a Swift case name as the C name's tail).
    static func upperSnake(_ camel: String) -> String {
        var s = ""
        for c in camel {
            if c.isUppercase && !s.isEmpty { s += "_" }
            s += c.uppercased()
        }
        return s
    }

    @Test func descriptionIsWellFormed() throws {
        let abi = try Self.description()
        #expect(abi.statuses.map(\.code) == Array(0..<abi.statuses.count), "codes 0 … n-1 in order")
        #expect(Set(abi.statuses.map(\.enumerator)).count == abi.statuses.count)
        #expect(Set(abi.statuses.map(\.name)).count == abi.statuses.count)
        for (key, record) in abi.records {
            #expect(Set(record.fields.map(\.name)).count == record.fields.count, "\(key): a name twice")
            // fields (with their widths) never overlap and lie inside the record
            var used = [String?](repeating: nil, count: record.words)
            for f in record.fields {
                let width = f.width ?? 1
                #expect(width >= 1 && f.index >= 0 && f.index + width <= record.words, "\(key).\(f.name) at \(f.index) × \(width) outside \(record.words) words")
                for w in f.index..<min(f.index + width, record.words) where w >= 0 {
                    #expect(used[w] == nil, "\(key): word \(w) is \(used[w] ?? "") and \(f.name)")
                    used[w] = f.name
                }
            }
        }
    }

    /// Every status: its enumerator in ckernel.h has the code, `ck_status_name` returns the name,
    /// and the header has no CK_OK / CK_ERR_* the description lacks.
    @Test func statusesMatchTheC() throws {
        let abi = try Self.description()
        let header = try Self.text("CKernel/include/ckernel.h")
        let block = try #require(header.firstMatch(of: #/typedef enum ck_status \{(?<body>[^}]*)\} ck_status_t;/#),
                                 "the ck_status_t enum in ckernel.h")
        let inHeader = Self.enumerators(Substring(Self.withoutComments(String(block.output.body))),
                                        #/\b(CK_OK|CK_ERR_[A-Z0-9_]+)\s*=\s*(\d+)/#)
        let described = Dictionary(uniqueKeysWithValues: abi.statuses.map { ($0.enumerator, $0.code) })
        for (name, value) in described.sorted(by: { $0.value < $1.value }) {
            #expect(inHeader[name] == value, "\(name) = \(value) in abi.json, \(inHeader[name].map(String.init) ?? "missing") in ckernel.h")
        }
        for (name, value) in inHeader where described[name] == nil {
            Issue.record("ckernel.h has \(name) = \(value); abi.json does not")
        }
        for s in abi.statuses {
            let name = String(cString: ck_status_name(ck_status_t(rawValue: UInt32(s.code))))
            #expect(name == s.name, "ck_status_name(\(s.code)) is \"\(name)\"; abi.json says \"\(s.name)\"")
        }
        // no name past the described codes
        let past = String(cString: ck_status_name(ck_status_t(rawValue: UInt32(abi.statuses.count))))
        #expect(past == "unknown status", "ck_status_name(\(abi.statuses.count)) is \"\(past)\"")
    }

    /// The CKW_OUT_* / CKW_LAYOUT_* / CKW_TXN_* enumerators of ck_wasm.c equal the description's
    /// records, both ways.
    @Test func recordsMatchTheC() throws {
        let abi = try Self.description()
        let source = Self.withoutComments(try Self.text("CKernel/wasm/ck_wasm.c"))
        var inC: [String: Int] = [:]
        for block in source.matches(of: #/enum\s*\{(?<body>[^}]*)\}/#) {
            for (name, value) in Self.enumerators(block.output.body, #/\b(CKW_[A-Z0-9_]+)\s*=\s*(\d+)/#) {
                #expect(inC[name] == nil, "\(name) defined twice in ck_wasm.c")
                inC[name] = value
            }
        }
        for (key, record) in abi.records {
            let described = record.cNames
            let defined = inC.filter { $0.key.hasPrefix(record.prefix) }
            #expect(!defined.isEmpty, "no \(record.prefix)* enumerator in ck_wasm.c")
            for (name, value) in described.sorted(by: { $0.value < $1.value }) {
                #expect(defined[name] == value, "\(key): \(name) = \(value) in abi.json, \(defined[name].map(String.init) ?? "missing") in ck_wasm.c")
            }
            for (name, value) in defined where described[name] == nil {
                Issue.record("ck_wasm.c has \(name) = \(value); abi.json's \(key) does not")
            }
        }
        let recordPrefixes = abi.records.map(\.record.prefix)
        for name in inC.keys where !recordPrefixes.contains(where: { name.hasPrefix($0) }) {
            Issue.record("ck_wasm.c has \(name), in no record of abi.json")
        }
    }

    /// CkwOut, CkwLayout and CkwTxn (Sources/ConvergeWasm/CkwRecords.swift): each case is a field
    /// (its name in camel case) with the same index, and `words` the record's length.
    @Test func swiftRecordsMatchTheDescription() throws {
        let abi = try Self.description()
        func check<R: CaseIterable & RawRepresentable>(_ type: R.Type, words: Int, _ record: Description.Record, _ key: String) where R.RawValue == Int {
            var swift = [record.prefix + "WORDS": words]
            for c in R.allCases { swift[record.prefix + Self.upperSnake(String(describing: c))] = c.rawValue }
            let described = record.cNames
            for (name, value) in described.sorted(by: { $0.value < $1.value }) {
                #expect(swift[name] == value, "\(key): \(name) = \(value) in abi.json, \(swift[name].map(String.init) ?? "missing") in \(R.self)")
            }
            for (name, value) in swift where described[name] == nil {
                Issue.record("\(R.self) has \(name) = \(value); abi.json's \(key) does not")
            }
        }
        check(CkwOut.self, words: CkwOut.words, abi.out, "out")
        check(CkwLayout.self, words: CkwLayout.words, abi.layout, "layout")
        check(CkwTxn.self, words: CkwTxn.words, abi.txn, "txn")
    }

    static let driver = #"""
    import { pathToFileURL } from 'node:url';
    const abi = await import(pathToFileURL(process.argv[2]).href);
    const host = await import(pathToFileURL(process.argv[3]).href);
    const jsKernel = await import(pathToFileURL(process.argv[4]).href);
    const codes = [...Array(Number(process.argv[5]) + 1).keys()]; // the described codes and one past
    process.stdout.write(JSON.stringify({
      statusNames: abi.STATUS_NAMES, status: abi.STATUS, out: abi.OUT, layout: abi.LAYOUT, txn: abi.TXN,
      hostStatusNames: codes.map((c) => host.statusName(c)),
      hostTxn: host.TXN,
      jsKernelStatusNames: codes.map((c) => new jsKernel.CkError(c, 0, 0, 0).status ?? null),
    }));
    """#

    /// wasm-host/abi.mjs equals the description (STATUS_NAMES, STATUS, OUT, LAYOUT, TXN), and the
    /// modules using it report the same: host.mjs's statusName and TXN, js-kernel.mjs's CkError.
    @Test(.enabled(if: NodeAvailability.nodeOrRequired, "node >= 18 is not on PATH (set CONVERGE_NODE)"))
    func jsModulesMatchTheDescription() throws {
        let abi = try Self.description()
        let n = abi.statuses.count
        guard let reply = try NodeDriver.run(Self.driver, [try NodeDriver.hostModule("abi.mjs"), try NodeDriver.hostModule("host.mjs"),
                                                           try NodeDriver.hostModule("js-kernel.mjs"), String(n)])
        else { return }
        let names = abi.statuses.map(\.name)
        #expect(reply["statusNames"] as? [String] == names, "abi.mjs STATUS_NAMES")
        let status = (reply["status"] as? [String: Int]) ?? [:]
        let statusInC = Dictionary(uniqueKeysWithValues: status.map { ("CK_" + $0.key, $0.value) })
        #expect(statusInC == Dictionary(uniqueKeysWithValues: abi.statuses.map { ($0.enumerator, $0.code) }), "abi.mjs STATUS: \(status)")
        for (key, record) in abi.records {
            let js = (reply[key] as? [String: Int]) ?? [:]
            let inC = Dictionary(uniqueKeysWithValues: js.map { (record.prefix + $0.key, $0.value) })
            let described = record.cNames
            for (name, value) in described.sorted(by: { $0.value < $1.value }) {
                #expect(inC[name] == value, "\(key): \(name) = \(value) in abi.json, \(inC[name].map(String.init) ?? "missing") in abi.mjs")
            }
            for (name, value) in inC where described[name] == nil {
                Issue.record("abi.mjs \(key.uppercased()) has \(name) = \(value); abi.json does not")
            }
        }
        #expect(reply["hostStatusNames"] as? [String] == names + [String(n)], "host.mjs statusName(0 … \(n))")
        #expect((reply["hostTxn"] as? [String: Int]) == (reply["txn"] as? [String: Int]), "host.mjs TXN is abi.mjs's")
        let jsKernel = reply["jsKernelStatusNames"] as? [Any] ?? []
        #expect(jsKernel.prefix(n).compactMap { $0 as? String } == names, "js-kernel.mjs CkError.status for 0 … \(n - 1): \(jsKernel)")
    }

    /// The browser page imports the host modules over HTTP: browser-run.mjs must serve every
    /// module the page reaches through its imports (abi.mjs among them), or the page fails to load.
    @Test func browserServesEveryModuleThePageImports() throws {
        let run = try Self.text("wasm-host/browser-run.mjs")
        let list = try #require(run.firstMatch(of: #/PAGE_MODULES = \[(?<list>[^\]]*)\]/#), "browser-run.mjs has no PAGE_MODULES")
        let served = Set(String(list.output.list).matches(of: #/'(?<file>[\w.-]+\.mjs)'/#).map { String($0.output.file) })
        let hostDir = Self.root.appendingPathComponent("wasm-host").standardizedFileURL
        var reached: Set<String> = []   // paths under wasm-host/
        var queue = ["browser-page.mjs"]
        while let module = queue.popLast() {
            let file = hostDir.appendingPathComponent(module)
            let text = try String(contentsOf: file, encoding: .utf8)
            for m in text.matches(of: #/(?:from|import\s*\()\s*['"](?<path>\.{1,2}\/[^'"]+)['"]/#) {
                let target = URL(fileURLWithPath: String(m.output.path), relativeTo: file.deletingLastPathComponent()).standardizedFileURL.path
                guard target.hasPrefix(hostDir.path + "/") else {
                    Issue.record("\(module) imports \(m.output.path), outside wasm-host/")
                    continue
                }
                let path = String(target.dropFirst(hostDir.path.count + 1))
                if reached.insert(path).inserted { queue.append(path) }
            }
        }
        #expect(reached.contains("abi.mjs"), "the page reaches abi.mjs (through host.mjs): \(reached.sorted())")
        #expect(served.contains("browser-page.mjs"), "browser-run.mjs does not serve the page's module")
        for module in reached.sorted() {
            #expect(served.contains(module), "browser-run.mjs does not serve /\(module), which the page imports")
        }
    }
}
