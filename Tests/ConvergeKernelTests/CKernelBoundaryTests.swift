import ConvergeKernelTestSupport
import Foundation
import Testing

/// The Swift side meets the C kernel in two files: `Kernel/CKernelBridge.swift` (the calls, the
/// handles, the numbers, the errors) and `Kernel/CKernelRecords.swift` (the records shared with
/// the kernel, their fields under Swift names) are the only files of the product libraries
/// (ConvergeKernel, ConvergeWasm) that import CKernel, and the only ones that name a C function,
/// type or constant outside a comment. A C field named elsewhere does not compile
/// (MemberImportVisibility). (ConvergeBench, which times the C directly, and the tests, which
/// test it, may import it.)
@Suite struct CKernelBoundaryTests {
    static let bridge = ["Sources/ConvergeKernel/Kernel/CKernelBridge.swift", "Sources/ConvergeKernel/Kernel/CKernelRecords.swift"]

    /// Every Swift file of the product libraries, relative to the package root, with its text.
    static func productSources() throws -> [(path: String, text: String)] {
        let root = GoldenFile.packageRoot()
        var files: [(String, String)] = []
        for dir in ["Sources/ConvergeKernel", "Sources/ConvergeWasm"] {
            let base = root.appendingPathComponent(dir)
            let walker = try #require(FileManager.default.enumerator(atPath: base.path), "cannot list \(base.path)")
            for case let rel as String in walker where rel.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(rel), encoding: .utf8)
                files.append(("\(dir)/\(rel)", text))
            }
        }
        return files
    }

    /// The code of a line: what is before a `//` comment, string literals removed (an escaped
    /// character inside a string, `\"` among them, stays inside it). Not understood: multi-line
    /// and raw strings, `/* */` comments, code inside a string's `\( )` (none are used around C
    /// names in these files).
    static func code(_ line: Substring) -> String {
        var out = "", inString = false, escaped = false, previous: Character = " "
        for ch in line {
            if inString {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
                previous = ch
                continue
            }
            if ch == "\"" { inString = true; previous = ch; continue }
            if ch == "/" && previous == "/" { out.removeLast(); break }
            out.append(ch)
            previous = ch
        }
        return out
    }

    @Test func onlyTheBridgeImportsCKernel() throws {
        let files = try Self.productSources()
        #expect(files.count > 30, "found only \(files.count) Swift files: is the package root right?")
        let importers = files.filter { f in
            f.text.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("import CKernel") }
        }.map(\.path)
        #expect(importers.sorted() == Self.bridge)
    }

    @Test func onlyTheBridgeNamesTheC() throws {
        // a C function call, type or constant: ck_…( , ck_…_t, CK_…
        let cName = try Regex(#"\bck_[a-z0-9_]+\s*\(|\bck_[a-z0-9_]+_t\b|\bCK_[A-Z0-9_]+\b"#)
        var offenders: [String] = []
        for f in try Self.productSources() where !Self.bridge.contains(f.path) {
            for (n, line) in f.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let c = Self.code(line)
                if let m = c.firstMatch(of: cName) { offenders.append("\(f.path):\(n + 1): \(c[m.range])") }
            }
        }
        #expect(offenders.isEmpty, "C names outside the bridge:\n\(offenders.joined(separator: "\n"))")
    }

    /// The check above can fail: a C name in code is found, one in a comment or a string is not.
    @Test func theScanFindsCodeNotComments() throws {
        let cName = try Regex(#"\bck_[a-z0-9_]+\s*\(|\bck_[a-z0-9_]+_t\b|\bCK_[A-Z0-9_]+\b"#)
        #expect(Self.code("    let s = ck_txn_commit(txn) // calls ck_txn_commit").firstMatch(of: cName) != nil)
        #expect(Self.code("    x = UInt32(CK_TRACE_OFF)").firstMatch(of: cName) != nil)
        #expect(Self.code("    /// the kernel's `ck_txn_commit(...)` and CK_TRACE_OFF").firstMatch(of: cName) == nil)
        #expect(Self.code("    throw E(\"ck_kernel_plan(x) failed\")").firstMatch(of: cName) == nil)
        // an escaped quote does not end the string; the code after the string is still code
        #expect(Self.code(#"    let s = "say \"ck_txn_commit(\" now"; ck_txn_abort(t)"#).firstMatch(of: cName) != nil)
        #expect(Self.code(#"    let s = "say \"ck_txn_commit(\" now""#).firstMatch(of: cName) == nil)
    }
}
