// ArtifactBytecodeCheck.swift — an artifact's bytecode checked against the IR it claims to come
// from.

/// The artifact's bytecode checked against the IR it claims to come from: ``Artifact/graph()``
/// recompiles the IR section's expressions (with the file's compile policy) and requires the file's
/// bytecode sections to be exactly that program, so an edited constant, opcode, register or step
/// offset — checksums recomputed or not — is an `invalidArtifact` naming the section, the byte
/// offset of the first differing element and both values.
extension Artifact {
    /// - Throws: `invalidArtifact` naming the first bytecode section (`code_offsets`, `code_regs`,
    ///   `insns`, `consts`) that differs from the recompiled IR, or an IR whose expressions no
    ///   longer compile under the file's policy `must`.
    func checkBytecode(compiledFrom graph: CompiledGraph) throws(ConvergeError) {
        let expected: Bytecode
        do {
            let report = try ExprCompiler.compile(graph, policy: compilePolicy)
            expected = report.bytecode ?? Bytecode(stepCount: graph.stepCount)
        } catch {
            throw ConvergeError(.invalidArtifact, "section \"ir\" at byte \(view.sectionOffset(ArtifactFormat.Section.ir)): "
                + "does not compile under the file's policy \(compilePolicy.rawValue): \(error.message)")
        }
        let actual = bytecode
        func differs(_ section: UInt32, element: Int, size: Int, _ want: String, _ got: String) -> ConvergeError {
            let name = ArtifactFormat.sectionName(section)
            let at = view.sectionOffset(section) + UInt64(element * size)
            return ConvergeError(.invalidArtifact, "section \"\(name)\" at byte \(at): element \(element) is \(got); "
                + "the \"ir\" section compiles to \(want)")
        }
        if let i = firstDifference(expected.stepOffsets, actual.stepOffsets) {
            throw differs(ArtifactFormat.Section.codeOffsets, element: i, size: 4, describe(expected.stepOffsets, i), describe(actual.stepOffsets, i))
        }
        if let i = firstDifference(expected.stepRegisters, actual.stepRegisters) {
            throw differs(ArtifactFormat.Section.codeRegs, element: i, size: 1, describe(expected.stepRegisters, i), describe(actual.stepRegisters, i))
        }
        // The raw instruction words, not the decoded `Instruction`s: the decoder maps an unknown
        // opcode to RET, which must not hide an edit.
        let insnCount = Int(actual.stepOffsets.last ?? 0)
        if insnCount != expected.instructions.count {
            throw differs(ArtifactFormat.Section.codeInsns, element: min(insnCount, expected.instructions.count), size: 8,
                          "\(expected.instructions.count) instructions", "one of \(insnCount)")
        }
        for (i, want) in expected.instructions.enumerated() {
            let got = view.instruction(i)
            if got.op != want.op.rawValue || got.a != want.a || got.b != want.b || got.c != want.c || got.imm != want.imm {
                let shown = Opcode(rawValue: got.op).map { Instruction($0, a: got.a, b: got.b, c: got.c, imm: got.imm).description }
                    ?? "opcode \(got.op)"
                throw differs(ArtifactFormat.Section.codeInsns, element: i, size: 8, "\(want)", shown)
            }
        }
        // Constants compare bit for bit (NaN payloads and -0 included).
        if let i = firstDifference(expected.constants.map(\.bitPattern), actual.constants.map(\.bitPattern)) {
            throw differs(ArtifactFormat.Section.codeConsts, element: i, size: 8, describe(expected.constants, i), describe(actual.constants, i))
        }
    }
}

/// The first index where two arrays differ (a length difference counts at the shorter length).
private func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> Int? {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] { return i }
    return a.count == b.count ? nil : n
}

private func describe<T>(_ a: [T], _ i: Int) -> String {
    i < a.count ? "\(a[i])" : "absent (\(a.count) elements)"
}
