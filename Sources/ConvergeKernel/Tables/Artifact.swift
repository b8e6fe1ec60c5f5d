// Artifact.swift — the AOT artifact (CKIR): encode, open, validate, and make a kernel from it.

import ConvergeFiles
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled graph in one file (the AOT artifact, "CKIR", docs/artifact.md): the kernel's
/// tables, the bytecode, the initial state, and optionally the names and the source IR, laid out
/// to be used in place. Opening one validates everything `ck_artifact_open` checks (header,
/// checksums, section layout, counts, table invariants); making a kernel from it
/// (``NativeKernel/init(artifact:graph:options:)``) also runs the bytecode verifier.
///
/// ```swift
/// let bytes = try Artifact.encode(graph, policy: .try)          // `converge compile`
/// let artifact = try Artifact(contentsOf: "graph.ckir")            // read + ck_artifact_open
/// let planner = try NativeKernel(artifact: artifact)              // kernel + bytecode from the file
/// ```
public struct Artifact: Sendable {
    /// The file's bytes (read or copied, 64-byte aligned) and the validated view into them.
    final class Storage: @unchecked Sendable {
        let base: UnsafeRawPointer
        let count: Int
        /// The memory of a file read by ``init(reading:)`` (nil: `allocate`d by ``init(copying:)``).
        private let region: AlignedBytes?
        /// Pointers into `base`; immutable after init, valid until deinit.
        fileprivate(set) var view = ArtifactView.empty

        init(copying bytes: UnsafeRawBufferPointer) {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
            if let src = bytes.baseAddress, bytes.count > 0 { p.copyMemory(from: src, byteCount: bytes.count) }
            base = UnsafeRawPointer(p)
            count = bytes.count
            region = nil
        }

        /// Reads the file into fresh page-aligned memory (`Files.readAligned`): not mapped, so a
        /// file truncated or rewritten by another process while in use cannot raise SIGBUS; the
        /// bytes read are then validated like any others.
        init(reading path: String) throws(ConvergeError) {
            let read: AlignedBytes
            do { read = try Files.readAligned(path) } catch { throw ConvergeError(.io, error.description) }
            base = UnsafeRawPointer(read.base!)
            count = read.count
            region = read
        }

        deinit {
            if let region { region.deallocate() }
            else { UnsafeMutableRawPointer(mutating: base).deallocate() }
        }

        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    }

    let storage: Storage

    /// Validates bytes as an artifact (`ck_artifact_open`), keeping a 64-byte aligned copy.
    /// - Throws: `invalidArtifact` naming the section, the byte offset and the rule.
    public init<Bytes: ContiguousBytes>(bytes: Bytes) throws(ConvergeError) {
        let s = bytes.withUnsafeBytes { Storage(copying: $0) }
        try Self.open(s)
        storage = s
    }

    /// Reads a file into 64-byte aligned memory (one copy, no `mmap`: a file truncated by
    /// another process meanwhile is a clean error, never a SIGBUS) and validates it in place
    /// (`ck_artifact_open`).
    /// - Throws: `io` when the path is not a readable regular file (a FIFO, a directory…: the
    ///   message names the cause); `invalidArtifact` as ``init(bytes:)``.
    public init(contentsOf path: String) throws(ConvergeError) {
        let s = try Storage(reading: path)
        try Self.open(s)
        storage = s
    }

    private static func open(_ s: Storage) throws(ConvergeError) {
        s.view = try ArtifactFormat.open(s.base, count: s.count)
    }

    // MARK: - facts

    var view: ArtifactView { storage.view }

    /// Registry paths (slots).
    public var pathCount: Int { view.pathCount }
    /// Steps.
    public var stepCount: Int { view.stepCount }
    /// The file's size in bytes.
    public var byteCount: Int { storage.count }
    /// The policy the bytecode was compiled with (`converge compile --policy`).
    public var compilePolicy: CompilePolicy { view.flagBits & ArtifactFormat.Flag.policyMust != 0 ? .must : .try }
    /// Steps with a program.
    public var compiledSteps: Int {
        let offs = view.codeStepOffsets!
        return (0..<stepCount).count { offs[$0 + 1] > offs[$0] }
    }
    /// True when the file carries a layout section (L4).
    public var hasLayout: Bool { view.layoutSlots != nil }

    /// The layout section: the slot of each path id (nil without one).
    public var layout: [UInt32]? {
        guard let p = view.layoutSlots else { return nil }
        return withExtendedLifetime(storage) { Array(UnsafeBufferPointer(start: p, count: pathCount)) }
    }

    /// Level l4 takes the file's state layout: `invalidArtifact` when `level` is l4 and the file
    /// has no layout section.
    public func checkLayout(for level: ExecutionLevel) throws(ConvergeError) {
        if level == .l4 && !hasLayout {
            throw ConvergeError(.invalidArtifact, "level l4 loads the layout from the artifact, and this file has no \"layout\" section (compile it again: converge compile writes one)")
        }
    }

    /// True when the file carries the names sections.
    public var hasNames: Bool { view.nameBytes != nil }
    /// True when the file carries the source IR (``graph()`` needs it).
    public var hasIR: Bool { view.irJSON != nil }

    /// The file's bytes (valid inside `body` only).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(storage.bytes)
    }

    /// The dot-joined name of path `id` (names section), or nil without names.
    public func pathName(_ id: Int) -> String? {
        guard let offs = view.pathNameOffsets, let names = view.nameBytes else { return nil }
        return String(decoding: UnsafeBufferPointer(start: names + Int(offs[id]), count: Int(offs[id + 1] - offs[id])), as: UTF8.self)
    }

    /// The raw `out` of step `id` (names section), or nil without names.
    public func stepOut(_ id: Int) -> String? {
        guard let offs = view.stepOutNameOffsets, let names = view.nameBytes else { return nil }
        return String(decoding: UnsafeBufferPointer(start: names + Int(offs[id]), count: Int(offs[id + 1] - offs[id])), as: UTF8.self)
    }

    /// The bytecode sections as a ``Bytecode`` (a copy).
    public var bytecode: Bytecode {
        let v = view, n = stepCount
        let offs = Array(UnsafeBufferPointer(start: v.codeStepOffsets, count: n + 1))
        let regs = Array(UnsafeBufferPointer(start: v.codeStepRegisters, count: n))
        let count = Int(offs[n])
        var insns: [Instruction] = []
        insns.reserveCapacity(count)
        for i in 0..<count {
            let c = v.instruction(i)
            insns.append(Instruction(Opcode(rawValue: c.op) ?? .ret, a: c.a, b: c.b, c: c.c, imm: c.imm))
        }
        let consts = Array(v.codeConstants)
        return Bytecode(stepOffsets: offs, stepRegisters: regs, instructions: insns, constants: consts)
    }

    /// The initial state, one value per path.
    public var initialState: [ConvergeValue] {
        (0..<pathCount).map { ConvergeValue(tag: view.stateTags[$0], payload: view.stateValues[$0]) }
    }

    /// The source converge-ir JSON, or nil when the file has none.
    public var irJSON: Data? {
        guard let ir = view.irJSON else { return nil }
        return Data(ir)
    }

    /// Rebuilds the graph from the file's IR and checks that it compiles to exactly the file's
    /// tables, names and bytecode (``checkBytecode(compiledFrom:)``).
    /// - Throws: `invalidArtifact` without an IR section or when the IR and the tables disagree;
    ///   the IR's own errors (`invalidJSON`, `cycleDetected`, …).
    public func graph() throws(ConvergeError) -> CompiledGraph {
        guard let json = irJSON else {
            throw ConvergeError(.invalidArtifact, "the file has no \"ir\" section (compiled without it): the graph cannot be rebuilt")
        }
        let g = try CompiledGraph(json: json)
        let v = view
        func same(_ a: [UInt32], _ p: UnsafePointer<UInt32>?, _ section: UInt32) throws(ConvergeError) {
            let ok = a.withUnsafeBufferPointer { b in
                b.count == 0 || (p != nil && memcmp(b.baseAddress!, p!, b.count * 4) == 0)
            }
            if !ok { throw Self.mismatch(section, v) }
        }
        guard g.pathCount == pathCount, g.stepCount == stepCount else {
            throw ConvergeError(.invalidArtifact, "section \"ir\" at byte \(v.sectionOffset(ArtifactFormat.Section.ir)): the graph has \(g.pathCount) paths and \(g.stepCount) steps; the tables have \(pathCount) and \(stepCount)")
        }
        try same(g.pathPrefixOffsets, v.pathPrefixOffsets, ArtifactFormat.Section.pathPrefixOffsets)
        try same(g.pathPrefixIds, v.pathPrefixIds, ArtifactFormat.Section.pathPrefixIds)
        try same(g.stepOutPath, v.stepOutPath, ArtifactFormat.Section.stepOutPath)
        if g.stepFlags.withUnsafeBufferPointer({ $0.count > 0 && memcmp($0.baseAddress!, v.stepFlags, $0.count) != 0 }) {
            throw Self.mismatch(ArtifactFormat.Section.stepFlags, v)
        }
        try same(g.triggerOffsets, v.triggerOffsets, ArtifactFormat.Section.triggerOffsets)
        try same(g.triggerSteps, v.triggerSteps, ArtifactFormat.Section.triggerSteps)
        try same(g.depOffsets, v.depOffsets, ArtifactFormat.Section.depOffsets)
        try same(g.depPaths, v.depPaths, ArtifactFormat.Section.depPaths)
        try same(g.inputOffsets, v.inputOffsets, ArtifactFormat.Section.inputOffsets)
        try same(g.inputPaths, v.inputPaths, ArtifactFormat.Section.inputPaths)
        if hasNames {
            for p in 0..<pathCount where pathName(p) != g.fieldPaths[p] { throw Self.mismatch(ArtifactFormat.Section.pathNames, v) }
            for s in 0..<stepCount where stepOut(s) != g.out(ofStep: s) { throw Self.mismatch(ArtifactFormat.Section.stepOuts, v) }
        }
        try checkBytecode(compiledFrom: g)
        return g
    }

    private static func mismatch(_ section: UInt32, _ v: ArtifactView) -> ConvergeError {
        let name = ArtifactFormat.sectionName(section)
        return ConvergeError(.invalidArtifact, "section \"\(name)\" at byte \(v.sectionOffset(section)): differs from what the \"ir\" section compiles to")
    }

    // MARK: - writing

    /// Encodes a graph and its bytecode (``ExprCompiler/compile(_:policy:)-(CompiledGraph,_)``) as an
    /// artifact (docs/artifact.md): every section 64-byte aligned, XXH64 checksums, initial state
    /// `undefined` everywhere.
    /// - Parameters:
    ///   - names: write the names sections (path names and step outs).
    ///   - ir: write the source IR (`ConvergeIR.jsonData()`), which ``graph()`` rebuilds from.
    ///   - layout: write the layout section: the kernel's suggested layout for this bytecode
    ///     (``NativeKernel/suggestedLayout()``), which level L4 loads.
    /// - Throws: `invalidExpression` under policy `must` when a step does not compile.
    public static func encode(_ graph: CompiledGraph, policy: CompilePolicy = .try, names: Bool = true, ir: Bool = true,
                              layout: Bool = true) throws(ConvergeError) -> [UInt8] {
        let report = try ExprCompiler.compile(graph, policy: policy)
        let code = report.bytecode ?? Bytecode(stepCount: graph.stepCount)
        var slots: [UInt32]? = nil
        if layout {
            let planner = try NativeKernel(graph)
            try planner.loadCode(code)
            slots = planner.suggestedLayout()
        }
        return encode(graph, bytecode: code, policy: policy, names: names, ir: ir, layout: slots)
    }

    /// Encodes given bytecode as is (tests use it to write files the kernel must refuse).
    public static func encode(_ graph: CompiledGraph, bytecode code: Bytecode, policy: CompilePolicy = .try, names: Bool = true,
                              ir: Bool = true, state: [ConvergeValue]? = nil, layout: [UInt32]? = nil) -> [UInt8] {
        typealias Section = (id: UInt32, elem: Int, count: Int, write: (UnsafeMutableRawPointer) -> Void)
        func u32(_ id: UInt32, _ a: [UInt32]) -> Section {
            (id, 4, a.count, { p in a.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } } })
        }
        func u8(_ id: UInt32, _ a: [UInt8]) -> Section {
            (id, 1, a.count, { p in a.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } } })
        }
        func f64(_ id: UInt32, _ a: [Double]) -> Section {
            (id, 8, a.count, { p in a.withUnsafeBytes { if $0.count > 0 { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } } })
        }
        let tags = state?.map(\.tag) ?? [UInt8](repeating: 0, count: graph.pathCount)
        let values = state?.map(\.payload) ?? [Double](repeating: 0, count: graph.pathCount)
        var sections: [Section] = [
            u32(ArtifactFormat.Section.pathPrefixOffsets, graph.pathPrefixOffsets), u32(ArtifactFormat.Section.pathPrefixIds, graph.pathPrefixIds),
            u32(ArtifactFormat.Section.stepOutPath, graph.stepOutPath), u8(ArtifactFormat.Section.stepFlags, graph.stepFlags),
            u32(ArtifactFormat.Section.triggerOffsets, graph.triggerOffsets), u32(ArtifactFormat.Section.triggerSteps, graph.triggerSteps),
            u32(ArtifactFormat.Section.depOffsets, graph.depOffsets), u32(ArtifactFormat.Section.depPaths, graph.depPaths),
            u32(ArtifactFormat.Section.inputOffsets, graph.inputOffsets), u32(ArtifactFormat.Section.inputPaths, graph.inputPaths),
            u32(ArtifactFormat.Section.codeOffsets, code.stepOffsets), u8(ArtifactFormat.Section.codeRegs, code.stepRegisters),
            (ArtifactFormat.Section.codeInsns, 8, code.instructions.count, { p in
                for (i, ins) in code.instructions.enumerated() {
                    let q = p + 8 * i
                    q.storeBytes(of: ins.op.rawValue, toByteOffset: 0, as: UInt8.self)
                    q.storeBytes(of: ins.a, toByteOffset: 1, as: UInt8.self)
                    q.storeBytes(of: ins.b, toByteOffset: 2, as: UInt8.self)
                    q.storeBytes(of: ins.c, toByteOffset: 3, as: UInt8.self)
                    q.storeBytes(of: ins.imm.littleEndian, toByteOffset: 4, as: UInt32.self)
                }
            }),
            f64(ArtifactFormat.Section.codeConsts, code.constants),
            u8(ArtifactFormat.Section.stateTags, tags), f64(ArtifactFormat.Section.stateValues, values),
        ]
        var flags: UInt32 = policy == .must ? ArtifactFormat.Flag.policyMust : 0
        if names {
            flags |= ArtifactFormat.Flag.names
            var blob: [UInt8] = []
            var pathOffsets: [UInt32] = [0], stepOffsets: [UInt32] = []
            for p in graph.fieldPaths { blob += p.utf8; pathOffsets.append(UInt32(blob.count)) }
            stepOffsets.append(UInt32(blob.count))
            for s in 0..<graph.stepCount { blob += graph.out(ofStep: s).utf8; stepOffsets.append(UInt32(blob.count)) }
            sections += [u32(ArtifactFormat.Section.pathNames, pathOffsets), u32(ArtifactFormat.Section.stepOuts, stepOffsets),
                         u8(ArtifactFormat.Section.names, blob)]
        }
        if ir {
            flags |= ArtifactFormat.Flag.ir
            sections.append(u8(ArtifactFormat.Section.ir, [UInt8](graph.ir.jsonData())))
        }
        if let layout {
            flags |= ArtifactFormat.Flag.layout
            sections.append(u32(ArtifactFormat.Section.layout, layout))
        }
        // layout: header, table, then each section at the next multiple of 64
        let align = ArtifactFormat.alignment
        let tableEnd = ArtifactFormat.headerBytes + sections.count * ArtifactFormat.entryBytes
        var offsets: [Int] = []
        var end = tableEnd
        for s in sections {
            let at = (end + align - 1) / align * align
            offsets.append(at)
            end = at + s.elem * s.count
        }
        var out = [UInt8](repeating: 0, count: end)
        out.withUnsafeMutableBytes { raw in
            let base = raw.baseAddress!
            func put32(_ at: Int, _ v: UInt32) { base.storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt32.self) }
            func put64(_ at: Int, _ v: UInt64) { base.storeBytes(of: v.littleEndian, toByteOffset: at, as: UInt64.self) }
            for (i, s) in sections.enumerated() {
                s.write(base + offsets[i])
                let e = ArtifactFormat.headerBytes + i * ArtifactFormat.entryBytes
                put32(e, s.id)
                put32(e + 4, UInt32(s.elem))
                put64(e + 8, UInt64(offsets[i]))
                put64(e + 16, UInt64(s.count))
                put64(e + 24, UInt64(s.elem * s.count))
                put64(e + 32, ArtifactFormat.hash(base + offsets[i], s.elem * s.count))
            }
            put32(0, ArtifactFormat.magic)
            put32(4, ArtifactFormat.version)
            put32(8, ArtifactFormat.endianMarker)
            put32(12, UInt32(ArtifactFormat.headerBytes))
            put32(16, flags)
            put32(20, UInt32(sections.count))
            put64(24, UInt64(end))
            put32(32, UInt32(graph.pathCount))
            put32(36, UInt32(graph.stepCount))
            put64(48, ArtifactFormat.hash(base + ArtifactFormat.headerBytes, tableEnd - ArtifactFormat.headerBytes))
            put64(56, ArtifactFormat.hash(base, 56))
        }
        return out
    }
}

extension Artifact {
    /// The complete validation: makes a kernel from the file (`ck_kernel_create_from_artifact`:
    /// the table rules of `ck_kernel_create` and every bytecode rule of the verifier), then
    /// frees it. Needs no graph (no IR section).
    /// - Throws: `invalidArtifact` naming the section and byte offset of the broken rule.
    public func validateKernel(options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        _ = try KernelHandle(artifact: self, options: options, loadLayout: true)
    }
}

extension NativeKernel {
    /// A kernel made from an artifact in place (`ck_kernel_create_from_artifact`: the tables and
    /// the bytecode are read from the file, verified, and copied into the kernel; the initial
    /// state is written into the slots).
    /// - Parameter graph: the graph the planner reports (``Artifact/graph()`` when nil).
    /// - Throws: `invalidArtifact` naming the section and byte offset of a broken table or
    ///   bytecode rule; `invalidArgument` when the implementation cannot run here.
    ///   - loadLayout: take the file's layout section (L4) when it has one.
    public convenience init(artifact: Artifact, graph: CompiledGraph? = nil, options: NativeOptions = NativeOptions(),
                            loadLayout: Bool = false) throws(ConvergeError) {
        try Self.checkImplementation(options)
        let g: CompiledGraph
        if let graph { g = graph } else { g = try artifact.graph() }
        guard g.stepCount == artifact.stepCount && g.pathCount == artifact.pathCount else {
            throw ConvergeError(.invalidArgument, "the graph (\(g.stepCount) steps, \(g.pathCount) paths) is not the artifact's (\(artifact.stepCount), \(artifact.pathCount))")
        }
        self.init(graph: g, handle: try KernelHandle(artifact: artifact, options: options, loadLayout: loadLayout))
    }
}
