// Artifact.swift — the AOT artifact (CKIR): encode, open, validate, and make a kernel from it.

import CKernel
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
        fileprivate(set) var view = ck_artifact_t()

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
        var view = ck_artifact_t()
        var err = ck_error_t()
        let status = ck_artifact_open(s.base, s.count, &view, &err)
        guard status == CK_OK else { throw error(status, err, fileBytes: s.count) }
        s.view = view
    }

    // MARK: - facts

    var view: ck_artifact_t { storage.view }

    /// Registry paths (slots).
    public var pathCount: Int { Int(view.tables.path_count) }
    /// Steps.
    public var stepCount: Int { Int(view.tables.step_count) }
    /// The file's size in bytes.
    public var byteCount: Int { storage.count }
    /// The policy the bytecode was compiled with (`converge compile --policy`).
    public var compilePolicy: CompilePolicy { view.flags & CK_ARTIFACT_FLAG_POLICY_MUST != 0 ? .must : .try }
    /// Steps with a program.
    public var compiledSteps: Int {
        let offs = view.code.step_offsets!
        return (0..<stepCount).count { offs[$0 + 1] > offs[$0] }
    }
    /// True when the file carries a layout section (L4).
    public var hasLayout: Bool { view.layout != nil }

    /// The layout section: the slot of each path id (nil without one).
    public var layout: [UInt32]? {
        guard let p = view.layout else { return nil }
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
    public var hasNames: Bool { view.names != nil }
    /// True when the file carries the source IR (``graph()`` needs it).
    public var hasIR: Bool { view.ir != nil }

    /// The file's bytes (valid inside `body` only).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(storage.bytes)
    }

    /// The dot-joined name of path `id` (names section), or nil without names.
    public func pathName(_ id: Int) -> String? {
        guard let offs = view.path_name_offsets, let names = view.names else { return nil }
        return String(decoding: UnsafeBufferPointer(start: names + Int(offs[id]), count: Int(offs[id + 1] - offs[id])), as: UTF8.self)
    }

    /// The raw `out` of step `id` (names section), or nil without names.
    public func stepOut(_ id: Int) -> String? {
        guard let offs = view.step_out_offsets, let names = view.names else { return nil }
        return String(decoding: UnsafeBufferPointer(start: names + Int(offs[id]), count: Int(offs[id + 1] - offs[id])), as: UTF8.self)
    }

    /// The bytecode sections as a ``Bytecode`` (a copy).
    public var bytecode: Bytecode {
        let v = view, n = stepCount
        let offs = Array(UnsafeBufferPointer(start: v.code.step_offsets, count: n + 1))
        let regs = Array(UnsafeBufferPointer(start: v.code.step_regs, count: n))
        let count = Int(offs[n])
        var insns: [Instruction] = []
        insns.reserveCapacity(count)
        for i in 0..<count {
            let c = v.code.insns[i]
            insns.append(Instruction(Opcode(rawValue: c.op) ?? .ret, a: c.a, b: c.b, c: c.c, imm: c.imm))
        }
        let consts = Array(UnsafeBufferPointer(start: v.code.consts, count: Int(v.code.const_count)))
        return Bytecode(stepOffsets: offs, stepRegisters: regs, instructions: insns, constants: consts)
    }

    /// The initial state, one value per path.
    public var initialState: [ConvergeValue] {
        (0..<pathCount).map { ConvergeValue(tag: view.state_tags[$0], payload: view.state_values[$0]) }
    }

    /// The source converge-ir JSON, or nil when the file has none.
    public var irJSON: Data? {
        guard let ir = view.ir else { return nil }
        return Data(bytes: ir, count: Int(view.ir_bytes))
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
            throw ConvergeError(.invalidArtifact, "section \"ir\" at byte \(v.section_offset(Int(CK_ARTIFACT_SEC_IR))): the graph has \(g.pathCount) paths and \(g.stepCount) steps; the tables have \(pathCount) and \(stepCount)")
        }
        try same(g.pathPrefixOffsets, v.tables.path_prefix_offsets, CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS)
        try same(g.pathPrefixIds, v.tables.path_prefix_ids, CK_ARTIFACT_SEC_PATH_PREFIX_IDS)
        try same(g.stepOutPath, v.tables.step_out_path, CK_ARTIFACT_SEC_STEP_OUT_PATH)
        if g.stepFlags.withUnsafeBufferPointer({ $0.count > 0 && memcmp($0.baseAddress!, v.tables.step_flags, $0.count) != 0 }) {
            throw Self.mismatch(CK_ARTIFACT_SEC_STEP_FLAGS, v)
        }
        try same(g.triggerOffsets, v.tables.trigger_offsets, CK_ARTIFACT_SEC_TRIGGER_OFFSETS)
        try same(g.triggerSteps, v.tables.trigger_steps, CK_ARTIFACT_SEC_TRIGGER_STEPS)
        try same(g.depOffsets, v.tables.dep_offsets, CK_ARTIFACT_SEC_DEP_OFFSETS)
        try same(g.depPaths, v.tables.dep_paths, CK_ARTIFACT_SEC_DEP_PATHS)
        try same(g.inputOffsets, v.input_offsets, CK_ARTIFACT_SEC_INPUT_OFFSETS)
        try same(g.inputPaths, v.input_paths, CK_ARTIFACT_SEC_INPUT_PATHS)
        if hasNames {
            for p in 0..<pathCount where pathName(p) != g.fieldPaths[p] { throw Self.mismatch(CK_ARTIFACT_SEC_PATH_NAMES, v) }
            for s in 0..<stepCount where stepOut(s) != g.out(ofStep: s) { throw Self.mismatch(CK_ARTIFACT_SEC_STEP_OUTS, v) }
        }
        try checkBytecode(compiledFrom: g)
        return g
    }

    private static func mismatch(_ section: UInt32, _ v: ck_artifact_t) -> ConvergeError {
        let name = String(cString: ck_artifact_section_name(section))
        return ConvergeError(.invalidArtifact, "section \"\(name)\" at byte \(v.section_offset(Int(section))): differs from what the \"ir\" section compiles to")
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
            u32(CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS, graph.pathPrefixOffsets), u32(CK_ARTIFACT_SEC_PATH_PREFIX_IDS, graph.pathPrefixIds),
            u32(CK_ARTIFACT_SEC_STEP_OUT_PATH, graph.stepOutPath), u8(CK_ARTIFACT_SEC_STEP_FLAGS, graph.stepFlags),
            u32(CK_ARTIFACT_SEC_TRIGGER_OFFSETS, graph.triggerOffsets), u32(CK_ARTIFACT_SEC_TRIGGER_STEPS, graph.triggerSteps),
            u32(CK_ARTIFACT_SEC_DEP_OFFSETS, graph.depOffsets), u32(CK_ARTIFACT_SEC_DEP_PATHS, graph.depPaths),
            u32(CK_ARTIFACT_SEC_INPUT_OFFSETS, graph.inputOffsets), u32(CK_ARTIFACT_SEC_INPUT_PATHS, graph.inputPaths),
            u32(CK_ARTIFACT_SEC_CODE_OFFSETS, code.stepOffsets), u8(CK_ARTIFACT_SEC_CODE_REGS, code.stepRegisters),
            (CK_ARTIFACT_SEC_CODE_INSNS, 8, code.instructions.count, { p in
                for (i, ins) in code.instructions.enumerated() {
                    let q = p + 8 * i
                    q.storeBytes(of: ins.op.rawValue, toByteOffset: 0, as: UInt8.self)
                    q.storeBytes(of: ins.a, toByteOffset: 1, as: UInt8.self)
                    q.storeBytes(of: ins.b, toByteOffset: 2, as: UInt8.self)
                    q.storeBytes(of: ins.c, toByteOffset: 3, as: UInt8.self)
                    q.storeBytes(of: ins.imm.littleEndian, toByteOffset: 4, as: UInt32.self)
                }
            }),
            f64(CK_ARTIFACT_SEC_CODE_CONSTS, code.constants),
            u8(CK_ARTIFACT_SEC_STATE_TAGS, tags), f64(CK_ARTIFACT_SEC_STATE_VALUES, values),
        ]
        var flags: UInt32 = policy == .must ? CK_ARTIFACT_FLAG_POLICY_MUST : 0
        if names {
            flags |= CK_ARTIFACT_FLAG_NAMES
            var blob: [UInt8] = []
            var pathOffsets: [UInt32] = [0], stepOffsets: [UInt32] = []
            for p in graph.fieldPaths { blob += p.utf8; pathOffsets.append(UInt32(blob.count)) }
            stepOffsets.append(UInt32(blob.count))
            for s in 0..<graph.stepCount { blob += graph.out(ofStep: s).utf8; stepOffsets.append(UInt32(blob.count)) }
            sections += [u32(CK_ARTIFACT_SEC_PATH_NAMES, pathOffsets), u32(CK_ARTIFACT_SEC_STEP_OUTS, stepOffsets),
                         u8(CK_ARTIFACT_SEC_NAMES, blob)]
        }
        if ir {
            flags |= CK_ARTIFACT_FLAG_IR
            sections.append(u8(CK_ARTIFACT_SEC_IR, [UInt8](graph.ir.jsonData())))
        }
        if let layout {
            flags |= CK_ARTIFACT_FLAG_LAYOUT
            sections.append(u32(CK_ARTIFACT_SEC_LAYOUT, layout))
        }
        // layout: header, table, then each section at the next multiple of 64
        let align = Int(CK_ARTIFACT_ALIGN)
        let tableEnd = Int(CK_ARTIFACT_HEADER_BYTES) + sections.count * Int(CK_ARTIFACT_ENTRY_BYTES)
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
                let e = Int(CK_ARTIFACT_HEADER_BYTES) + i * Int(CK_ARTIFACT_ENTRY_BYTES)
                put32(e, s.id)
                put32(e + 4, UInt32(s.elem))
                put64(e + 8, UInt64(offsets[i]))
                put64(e + 16, UInt64(s.count))
                put64(e + 24, UInt64(s.elem * s.count))
                put64(e + 32, ck_artifact_hash(base + offsets[i], s.elem * s.count))
            }
            put32(0, CK_ARTIFACT_MAGIC)
            put32(4, CK_ARTIFACT_VERSION)
            put32(8, CK_ARTIFACT_ENDIAN)
            put32(12, CK_ARTIFACT_HEADER_BYTES)
            put32(16, flags)
            put32(20, UInt32(sections.count))
            put64(24, UInt64(end))
            put32(32, UInt32(graph.pathCount))
            put32(36, UInt32(graph.stepCount))
            put64(48, ck_artifact_hash(base + Int(CK_ARTIFACT_HEADER_BYTES), tableEnd - Int(CK_ARTIFACT_HEADER_BYTES)))
            put64(56, ck_artifact_hash(base, 56))
        }
        return out
    }

    // MARK: - errors

    /// The `invalidArtifact` error for a C status: `section "insns" at byte 4096: checksum mismatch …`.
    package static func error(_ status: ck_status_t, _ err: ck_error_t, fileBytes: Int) -> ConvergeError {
        guard status == CK_ERR_BAD_ARTIFACT else {
            if status == CK_ERR_OUT_OF_MEMORY { return ConvergeError(.kernelFailure, "out of memory creating the kernel") }
            return NativeKernel.error(status, err, what: "ck_artifact_open")
        }
        let section = err.table.rawValue >= CK_TABLE_ARTIFACT ? err.table.rawValue - CK_TABLE_ARTIFACT : 0
        let name = String(cString: ck_artifact_section_name(section))
        let at = err.index, v = err.value
        let header = section == CK_ARTIFACT_SEC_HEADER
        let fault = err.fault.rawValue
        let rule: String
        switch fault {
        case CK_ARTIFACT_FAULT_TRUNCATED:
            if header && at == 24 { rule = "truncated: the header says \(v) bytes, the file has \(fileBytes)" }
            else if header && v == UInt64(CK_ARTIFACT_HEADER_BYTES) { rule = "truncated: the file has \(fileBytes) bytes, less than the \(v)-byte header" }
            else if header { rule = "truncated: the section table ends at byte \(v), the file has \(fileBytes)" }
            else { rule = "truncated: the section ends past the \(v) bytes the header declares" }
        case CK_ARTIFACT_FAULT_OVERSIZED:
            rule = header ? "oversized: the header says \(v) bytes, the file has \(fileBytes)"
                          : "oversized: \(v) bytes after the last section"
        case CK_ARTIFACT_FAULT_MAGIC: rule = "not an artifact: magic 0x\(String(v, radix: 16)), expected \"CKIR\" (0x\(String(CK_ARTIFACT_MAGIC, radix: 16)))"
        case CK_ARTIFACT_FAULT_VERSION: rule = "unsupported version \(v) (this library reads \(CK_ARTIFACT_VERSION))"
        case CK_ARTIFACT_FAULT_ENDIAN: rule = "byte-order marker 0x\(String(v, radix: 16)), expected 0x01020304 (a little-endian file)"
        case CK_ARTIFACT_FAULT_HEADER: rule = "invalid header field: \(v)"
        case CK_ARTIFACT_FAULT_CHECKSUM: rule = "checksum mismatch (computed 0x\(String(v, radix: 16)))"
        case CK_ARTIFACT_FAULT_SECTION_ID: rule = "section id \(v) is unknown, repeated, out of order, or not the one the flags call for"
        case CK_ARTIFACT_FAULT_ALIGNMENT: rule = "offset \(v) is not a multiple of \(CK_ARTIFACT_ALIGN)"
        case CK_ARTIFACT_FAULT_OVERLAP: rule = "offset \(v) overlaps the previous section"
        case CK_ARTIFACT_FAULT_LAYOUT: rule = "offset \(v) is not where the layout puts the section"
        case CK_ARTIFACT_FAULT_BOUNDS: rule = "length \(v) reaches past the end of the file"
        case CK_ARTIFACT_FAULT_ELEMENT: rule = "element size or count \(v) disagrees with the section's length"
        case CK_ARTIFACT_FAULT_COUNT: rule = "count \(v) disagrees with the header or another section"
        case CK_ARTIFACT_FAULT_PADDING: rule = "padding byte \(v) is not 0"
        case CK_ARTIFACT_FAULT_TABLES: rule = "table invariant broken (value \(v))"
        case CK_ARTIFACT_FAULT_VALUE: rule = "value \(v) out of range"
        case CK_ARTIFACT_FAULT_TOO_LARGE: rule = "\(v) exceeds the kernel's limit"
        case CK_ARTIFACT_FAULT_REPEATED: rule = "value \(v) given twice (each slot holds one path)"
        default: rule = "bytecode rule \(Self.faultName(fault)) broken (value \(v))"
        }
        return ConvergeError(.invalidArtifact, "section \"\(name)\" at byte \(at): \(rule)")
    }

    private static func faultName(_ f: UInt32) -> String {
        let names = ["none", "step count", "offsets", "too long", "link code", "register count", "opcode", "register",
                     "const", "slot", "literal", "reserved", "unset register", "no ret", "too many consts"]
        return f < names.count ? "\"\(names[Int(f)])\"" : "\(f)"
    }
}

extension ck_artifact_t {
    /// The byte offset of a section (0 when absent).
    func section_offset(_ id: Int) -> UInt64 {
        withUnsafeBytes(of: self.section_offset) { $0.load(fromByteOffset: id * 8, as: UInt64.self) }
    }
}

extension Artifact {
    /// The complete validation: makes a kernel from the file (`ck_kernel_create_from_artifact`:
    /// the table rules of `ck_kernel_create` and every bytecode rule of the verifier), then
    /// frees it. Needs no graph (no IR section).
    /// - Throws: `invalidArtifact` naming the section and byte offset of the broken rule.
    public func validateKernel(options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        let handle = try makeKernel(options: options, loadLayout: true)
        ck_kernel_free(handle)
    }

    func makeKernel(options: NativeOptions, loadLayout: Bool = false) throws(ConvergeError) -> OpaquePointer {
        var opts = NativeKernel.cOptions(options)
        var v = view
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        let flags = loadLayout ? CK_ARTIFACT_LOAD_LAYOUT : 0
        let status = withExtendedLifetime(storage) { ck_kernel_create_from_artifact_ex(&v, &opts, flags, &handle, &err) }
        guard status == CK_OK, let handle else { throw Artifact.error(status, err, fileBytes: byteCount) }
        return handle
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
        if let impl = options.implementation, !impl.isAvailable {
            throw ConvergeError(.invalidArgument, "SIMD implementation \(impl.rawValue) does not run on this CPU")
        }
        let g: CompiledGraph
        if let graph { g = graph } else { g = try artifact.graph() }
        guard g.stepCount == artifact.stepCount && g.pathCount == artifact.pathCount else {
            throw ConvergeError(.invalidArgument, "the graph (\(g.stepCount) steps, \(g.pathCount) paths) is not the artifact's (\(artifact.stepCount), \(artifact.pathCount))")
        }
        self.init(graph: g, kernel: try artifact.makeKernel(options: options, loadLayout: loadLayout))
    }
}
