import CKernel
import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel

/// Tampering with an artifact and recomputing its checksums (docs/artifact.md, "What is checked"):
/// with an IR section every edit of the bytecode, or of the IR's expressions, is an
/// `invalidArtifact` naming the section and byte; without one, the bytecode is only verified.
@Suite struct ArtifactTamperTests {
    typealias A = ArtifactTests

    /// Every section's (offset, length) by id.
    static func section(_ b: [UInt8], _ id: UInt32) -> (offset: Int, length: Int) {
        let e = A.entries(b).first { $0.id == id }!
        return (e.offset, e.length)
    }

    @Test func everyBitOfTheBytecodeIsBoundToTheIR() throws {
        let bytes = A.sample.bytes
        var rng = SeededRNG(seed: 11)
        var flips = 0
        for id in [CK_ARTIFACT_SEC_CODE_OFFSETS, CK_ARTIFACT_SEC_CODE_REGS, CK_ARTIFACT_SEC_CODE_INSNS, CK_ARTIFACT_SEC_CODE_CONSTS] {
            let s = Self.section(bytes, id)
            #expect(s.length > 0, "section \(A.sectionName(id)) is empty in the sample")
            for _ in 0..<64 {
                var b = bytes
                let byte = s.offset + rng.below(s.length)
                b[byte] ^= UInt8(1 << rng.below(8))
                A.refresh(&b)
                // the verifier may see it first (a bad register, an unknown opcode: invalidBytecode
                // naming the step and instruction); otherwise the IR check names section and byte
                let err = A.load(b)
                if err?.code != .invalidBytecode {
                    A.expectTyped(err, "flip in \(A.sectionName(id)) at byte \(byte)")
                }
                flips += 1
            }
        }
        #expect(flips == 256)
    }

    @Test func anEditedConstantIsNamedWithItsByteAndBothValues() throws {
        var b = A.sample.bytes
        let s = Self.section(b, CK_ARTIFACT_SEC_CODE_CONSTS)
        try #require(s.length >= 8)
        let old = Double(bitPattern: A.u64(b, s.offset))
        A.put64(&b, s.offset, (old + 1000).bitPattern)
        A.refresh(&b)
        let err = A.load(b)
        A.expectTyped(err, section: "consts", containing: "at byte \(s.offset): element 0 is \(old + 1000); the \"ir\" section compiles to \(old)", "edited constant")
    }

    @Test func anOpcodeSwappedForAnotherValidOneIsCaught() throws {
        var b = A.sample.bytes
        let s = Self.section(b, CK_ARTIFACT_SEC_CODE_INSNS)
        // find an ADD and make it a SUB: both verify, only the IR can tell
        let add = Opcode.add.rawValue, sub = Opcode.sub.rawValue
        let at = try #require(stride(from: s.offset, to: s.offset + s.length, by: 8).first { b[$0] == add })
        b[at] = sub
        A.refresh(&b)
        A.expectTyped(A.load(b), section: "insns", containing: "at byte \(at)", "ADD → SUB")
    }

    @Test func anEditedIRExpressionNoLongerMatchesTheBytecode() throws {
        var b = A.sample.bytes
        let s = Self.section(b, CK_ARTIFACT_SEC_IR)
        // the first digit inside an "expr" string, changed to another digit (same length, valid JSON)
        let text = Array(b[s.offset..<s.offset + s.length])
        let key = Array("\"expr\":".utf8)
        var edited: Int?
        var i = 0
        search: while i + key.count < text.count {
            if Array(text[i..<i + key.count]) == key {
                var j = i + key.count
                while j < text.count && text[j] != UInt8(ascii: "\"") { j += 1 }
                j += 1
                while j < text.count && text[j] != UInt8(ascii: "\"") {
                    if text[j] >= UInt8(ascii: "1") && text[j] <= UInt8(ascii: "8") { edited = s.offset + j; break search }
                    j += 1
                }
            }
            i += 1
        }
        let at = try #require(edited, "no digit in an expression of the sample's IR")
        b[at] += 1
        A.refresh(&b)
        let err = A.load(b)
        #expect(err?.code == .invalidArtifact, "\(String(describing: err))")
        let named = ["\"consts\"", "\"insns\"", "\"code_offsets\"", "\"code_regs\""].contains { name in
            err?.message.hasPrefix("section \(name)") == true
        }
        #expect(named, "\(String(describing: err))")
    }

    /// Without an IR section there is nothing to compare with: a constant edited to another valid
    /// double loads (docs/artifact.md says so); the verifier still refuses what is malformed.
    @Test func withoutIRAValidEditLoadsAsDocumented() throws {
        var b = try Artifact.encode(A.sample.graph, ir: false)
        let s = Self.section(b, CK_ARTIFACT_SEC_CODE_CONSTS)
        try #require(s.length >= 8)
        A.put64(&b, s.offset, 12345.0.bitPattern)
        A.refresh(&b)
        #expect(A.load(b) == nil)
    }

    /// The compiled file of a graph loads with its IR check (no false alarm) on many graphs.
    @Test func untouchedFilesPassTheCheck() throws {
        for seed in 0..<40 {
            let g = try CompiledGraph(ExprLevelDifferentialTests.graph(seed: UInt64(seed)))
            for policy in [CompilePolicy.try] {
                let a = try Artifact(bytes: try Artifact.encode(g, policy: policy))
                _ = try a.graph()
            }
        }
    }
}
