// IRJSONReader.swift — reads converge-ir JSON bytes into a ConvergeIR, with errors naming the
// offset.

/// The converge-ir loader: a lean reader over the document's bytes that builds ``ConvergeIR``
/// directly (no Foundation object tree: JSONSerialization needed about 3 KB per step).
///
/// Two passes. The first checks the JSON syntax of the whole document (RFC 8259, UTF-8, nesting up
/// to ``maxDepth``), rejects a repeated member name in any object, and notes where the root's
/// members are and how many elements `fields` and `steps` have; nothing is allocated per value.
/// The second checks the limits against those counts, then reads `format`, `version`, `fields`
/// and `steps` into their final form, counting dep entries as it goes, so an oversized document is
/// `tooLarge` before its steps are built.
struct IRJSONReader {
    /// Arrays and objects nest at most this deep (deeper is `invalidJSON`).
    static let maxDepth = 512

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    private let limits: CompiledGraph.Limits

    private init(_ bytes: UnsafeBufferPointer<UInt8>, limits: CompiledGraph.Limits) {
        b = bytes
        self.limits = limits
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: CompiledGraph.Limits) throws(ConvergeError) -> ConvergeIR {
        var r = IRJSONReader(bytes, limits: limits)
        return try r.document()
    }

    // MARK: - pass 1: syntax, duplicate names, the root's members

    private struct Member {
        var offset: Int
        var count: Int   // elements, when an array
    }

    /// Where a value sits, for messages (`steps[3].deps`); built only when a message needs it.
    private enum Component { case key(String), index(Int) }
    private var where_: [Component] = []
    /// Pass 1 refuses repeated member names; pass 2 skips values pass 1 has checked.
    private var checkNames = true

    private func location() -> String {
        var s = ""
        for c in where_ {
            switch c {
            case .key(let k): s += s.isEmpty ? k : ".\(k)"
            case .index(let n): s += "[\(n)]"
            }
        }
        return s.isEmpty ? "the document" : s
    }

    private func syntax(_ what: String, at offset: Int? = nil) -> ConvergeError {
        ConvergeError(.invalidJSON, "not a JSON document (\(what) at byte \(offset ?? i))")
    }

    private func describeByte(_ offset: Int) -> String {
        guard offset < b.count else { return "unexpected end of input" }
        let c = b[offset]
        if c >= 0x21 && c < 0x7F { return "unexpected character '\(Character(Unicode.Scalar(c)))'" }
        return "unexpected byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    private mutating func ws() {
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    private mutating func document() throws(ConvergeError) -> ConvergeIR {
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { i = 3 }   // a UTF-8 byte order mark
        ws()
        let rootStart = i
        var members: [String: Member] = [:]
        try skipValue(depth: 0, root: &members)
        ws()
        if i != b.count { throw syntax("\(describeByte(i)) after the document") }
        guard b[rootStart] == UInt8(ascii: "{") else {
            throw ConvergeError(.invalidJSON, "the document must be a JSON object")
        }
        return try build(members)
    }

    /// Checks the value at `i` and moves past it. At depth 0 (the root object) it notes the
    /// members in `root`.
    private mutating func skipValue(depth: Int, root: inout [String: Member]) throws(ConvergeError) {
        ws()
        guard i < b.count else { throw syntax("unexpected end of input") }
        switch b[i] {
        case UInt8(ascii: "{"):
            if depth >= Self.maxDepth { throw syntax("arrays and objects nested deeper than \(Self.maxDepth)") }
            i += 1
            var small: [ExactString] = []
            var large = Set<ExactString>()
            ws()
            if i < b.count && b[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                ws()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw syntax(i < b.count ? "\(describeByte(i)) where a member name should be" : "unexpected end of input") }
                let keyAt = i
                let key = ExactString(try readString())
                if !checkNames {
                } else if small.count < 16 {
                    if small.contains(key) { throw duplicate(key.value, at: keyAt) }
                    small.append(key)
                    if small.count == 16 { large = Set(small) }
                } else if !large.insert(key).inserted {
                    throw duplicate(key.value, at: keyAt)
                }
                ws()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw syntax("\(describeByte(i)) where ':' should be") }
                i += 1
                ws()
                where_.append(.key(key.value))
                let valueAt = i
                var unused: [String: Member] = [:]
                let count = try skipCounting(depth: depth + 1, root: &unused)
                where_.removeLast()
                if depth == 0 { root[key.value] = Member(offset: valueAt, count: count) }
                ws()
                guard i < b.count else { throw syntax("unexpected end of input") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return }
                throw syntax("\(describeByte(i)) where ',' or '}' should be")
            }
        case UInt8(ascii: "["):
            _ = try skipCounting(depth: depth, root: &root)
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            try skipNumber()
        }
    }

    /// ``skipValue(depth:root:)``, returning the element count of an array (0 otherwise).
    private mutating func skipCounting(depth: Int, root: inout [String: Member]) throws(ConvergeError) -> Int {
        guard i < b.count, b[i] == UInt8(ascii: "[") else {
            try skipValue(depth: depth, root: &root)
            return 0
        }
        if depth >= Self.maxDepth { throw syntax("arrays and objects nested deeper than \(Self.maxDepth)") }
        i += 1
        ws()
        if i < b.count && b[i] == UInt8(ascii: "]") { i += 1; return 0 }
        var n = 0
        var unused: [String: Member] = [:]
        while true {
            where_.append(.index(n))
            try skipValue(depth: depth + 1, root: &unused)
            where_.removeLast()
            n += 1
            ws()
            guard i < b.count else { throw syntax("unexpected end of input") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return n }
            throw syntax("\(describeByte(i)) where ',' or ']' should be")
        }
    }

    private func duplicate(_ key: String, at offset: Int) -> ConvergeError {
        ConvergeError(.invalidJSON, "\(location()) has the member \(ConvergeError.quoted(key)) twice (the second at byte \(offset))")
    }

    private mutating func literal(_ word: StaticString) throws(ConvergeError) {
        let n = word.utf8CodeUnitCount
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        guard i + n <= b.count else { throw syntax(describeByte(i)) }
        for k in 0..<n where b[i + k] != w[k] { throw syntax(describeByte(i)) }
        i += n
    }

    private mutating func skipNumber() throws(ConvergeError) {
        let start = i
        func digits(_ r: inout IRJSONReader) -> Int {
            let s = r.i
            while r.i < r.b.count && r.b[r.i] >= 0x30 && r.b[r.i] <= 0x39 { r.i += 1 }
            return r.i - s
        }
        if i < b.count && b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 0x30 && b[i] <= 0x39 else { throw syntax(describeByte(start == i ? i : i), at: i) }
        if b[i] == 0x30 { i += 1 } else { _ = digits(&self) }
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            if digits(&self) == 0 { throw syntax("a number without digits after '.'") }
        }
        if i < b.count && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            if digits(&self) == 0 { throw syntax("a number without digits in its exponent") }
        }
    }

    /// Moves past a string at `i` (at its opening quote), checking escapes and UTF-8; returns
    /// whether it has escapes.
    @discardableResult
    private mutating func skipString() throws(ConvergeError) -> Bool {
        let start = i
        i += 1
        var escaped = false
        while true {
            guard i < b.count else { throw syntax("a string that never ends", at: start) }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return escaped }
            if c < 0x20 { throw syntax("a control character (byte 0x\(String(c, radix: 16, uppercase: true))) inside a string") }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < b.count else { throw syntax("a string that never ends", at: start) }
                switch b[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    let high = try hex4(i + 2)
                    i += 6
                    if high >= 0xD800 && high < 0xDC00 {
                        let paired = i + 5 < b.count && b[i] == UInt8(ascii: "\\") && b[i + 1] == UInt8(ascii: "u")
                        let low = try paired ? hex4(i + 2) : 0
                        guard low >= 0xDC00 && low < 0xE000 else {
                            throw syntax("an unpaired surrogate \\u\(String(high, radix: 16, uppercase: true)) in a string", at: i - 6)
                        }
                        i += 6
                    } else if high >= 0xDC00 && high < 0xE000 {
                        throw syntax("an unpaired surrogate \\u\(String(high, radix: 16, uppercase: true)) in a string", at: i - 6)
                    }
                default:
                    throw syntax("an invalid escape in a string", at: i)
                }
                continue
            }
            if c < 0x80 { i += 1; continue }
            i += try utf8Sequence(at: i)
        }
    }

    private func hex4(_ at: Int) throws(ConvergeError) -> UInt32 {
        guard at + 4 <= b.count else { throw syntax("an invalid \\u escape in a string", at: at - 2) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = b[at + k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: throw syntax("an invalid \\u escape in a string", at: at - 2)
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The length of the well-formed UTF-8 sequence at `at` (its first byte is >= 0x80).
    private func utf8Sequence(at: Int) throws(ConvergeError) -> Int {
        let c = b[at]
        let n: Int, lo: UInt8, hi: UInt8
        switch c {
        case 0xC2...0xDF: n = 2; lo = 0x80; hi = 0xBF
        case 0xE0: n = 3; lo = 0xA0; hi = 0xBF
        case 0xE1...0xEC, 0xEE...0xEF: n = 3; lo = 0x80; hi = 0xBF
        case 0xED: n = 3; lo = 0x80; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90; hi = 0xBF
        case 0xF1...0xF3: n = 4; lo = 0x80; hi = 0xBF
        case 0xF4: n = 4; lo = 0x80; hi = 0x8F
        default: throw syntax("invalid UTF-8", at: at)
        }
        guard at + n <= b.count, b[at + 1] >= lo && b[at + 1] <= hi else { throw syntax("invalid UTF-8", at: at) }
        for k in 2..<max(2, n) where b[at + k] & 0xC0 != 0x80 { throw syntax("invalid UTF-8", at: at) }
        return n
    }

    /// The string at `i` (checked by pass 1 or checked now), decoded; moves past it.
    private mutating func readString() throws(ConvergeError) -> String {
        let start = i
        let escaped = try skipString()
        let body = UnsafeBufferPointer(rebasing: b[(start + 1)..<(i - 1)])
        if !escaped { return String(decoding: body, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var k = 0
        func hex(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for j in 0..<4 {
                let c = body[at + j]
                v = v << 4 | UInt32(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10)
            }
            return v
        }
        while k < body.count {
            let c = body[k]
            guard c == UInt8(ascii: "\\") else { out.append(c); k += 1; continue }
            let e = body[k + 1]
            k += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex(k)
                k += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    let low = hex(k + 2)
                    k += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                // pass 1 rejected lone surrogates, so this is a scalar
                for u in UTF8.encode(Unicode.Scalar(scalar)!)! { out.append(u) }
            default: out.append(e)   // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - pass 2: the document's members, in their final form

    private mutating func build(_ root: [String: Member]) throws(ConvergeError) -> ConvergeIR {
        where_ = []
        checkNames = false
        guard let format = root["format"] else {
            throw ConvergeError(.missingField, "the document has no \"format\" (expected \"converge-ir\")")
        }
        i = format.offset
        guard b[i] == UInt8(ascii: "\""), try readString() == ConvergeIR.format else {
            throw ConvergeError(.unsupportedFormat, "format is \(render(format.offset)), expected \"converge-ir\"")
        }
        guard let version = root["version"] else {
            throw ConvergeError(.missingField, "the document has no \"version\" (expected 1)")
        }
        i = version.offset
        let c = b[i]
        guard c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) else {
            throw ConvergeError(.unsupportedVersion, "version must be the number 1 (got \(render(version.offset)))")
        }
        try skipNumber()
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[version.offset..<i]), as: UTF8.self)
        guard Double(text) == Double(ConvergeIR.version) else {
            throw ConvergeError(.unsupportedVersion, "version is \(ConvergeError.excerpt(text)), this library reads version 1")
        }

        var fields: [String] = []
        if let f = root["fields"], b[f.offset] != UInt8(ascii: "n") {
            guard b[f.offset] == UInt8(ascii: "[") else {
                throw ConvergeError(.invalidJSON, "\"fields\" must be an array of strings")
            }
            if f.count > limits.paths {
                throw ConvergeError(.tooLarge, "\(f.count) fields; the limit is \(limits.paths) field paths")
            }
            fields.reserveCapacity(f.count)
            i = f.offset
            var k = 0
            try elements { (r: inout IRJSONReader) throws(ConvergeError) in
                guard r.b[r.i] == UInt8(ascii: "\"") else {
                    throw ConvergeError(.invalidJSON, "fields[\(k)] must be a string, found \(r.render(r.i))")
                }
                fields.append(try r.readString())
                k += 1
            }
        }

        guard let s = root["steps"] else {
            throw ConvergeError(.missingField, "the document has no \"steps\" array")
        }
        guard b[s.offset] == UInt8(ascii: "[") else {
            throw ConvergeError(.invalidJSON, "\"steps\" must be an array")
        }
        if s.count > limits.steps {
            throw ConvergeError(.tooLarge, "\(s.count) steps; the limit is \(limits.steps)")
        }
        var steps: [IRStep] = []
        steps.reserveCapacity(s.count)
        var depEntries = 0
        i = s.offset
        try elements { (r: inout IRJSONReader) throws(ConvergeError) in
            steps.append(try r.step(steps.count, depEntries: &depEntries))
        }
        return ConvergeIR(fields: fields, steps: steps)
    }

    /// Calls `body` at each element of the array at `i` (checked by pass 1); moves past it.
    private mutating func elements(_ body: (inout IRJSONReader) throws(ConvergeError) -> Void) throws(ConvergeError) {
        i += 1
        ws()
        if b[i] == UInt8(ascii: "]") { i += 1; return }
        while true {
            ws()
            let at = i
            try body(&self)
            i = at
            try skipPassed()
            ws()
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            i += 1   // "]"
            return
        }
    }

    /// Moves past the value at `i`, which pass 1 has checked.
    private mutating func skipPassed() throws(ConvergeError) {
        var unused: [String: Member] = [:]
        try skipValue(depth: 1, root: &unused)
    }

    private static let stepKeys = ["kind", "out", "deps", "from", "scheduling", "expr", "compile"]

    /// The step object at `i`.
    private mutating func step(_ index: Int, depEntries: inout Int) throws(ConvergeError) -> IRStep {
        guard b[i] == UInt8(ascii: "{") else {
            throw ConvergeError(.invalidJSON, "steps[\(index)] must be an object")
        }
        // where each known member's value is (-1: absent); the last one wins, but pass 1 has
        // already refused repeated names
        var at = [Int](repeating: -1, count: 7)
        i += 1
        ws()
        if b[i] != UInt8(ascii: "}") {
            while true {
                ws()
                let key = try readString()
                ws()
                i += 1   // ":"
                ws()
                if let k = Self.stepKeys.firstIndex(where: { $0.utf8.elementsEqual(key.utf8) }) { at[k] = i }
                try skipPassed()
                ws()
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                break
            }
        }
        func string(_ k: Int, required: Bool) throws(ConvergeError) -> String? {
            let key = Self.stepKeys[k]
            guard at[k] >= 0, b[at[k]] != UInt8(ascii: "n") else {
                if required { throw ConvergeError(.missingField, "steps[\(index)] has no \"\(key)\"") }
                return nil
            }
            guard b[at[k]] == UInt8(ascii: "\"") else {
                throw ConvergeError(.invalidJSON, "steps[\(index)].\(key) must be a string, found \(render(at[k]))")
            }
            i = at[k]
            return try readString()
        }
        let kind = try string(0, required: true)!
        let out = try string(1, required: true)!
        var deps: [String]? = nil
        if at[2] >= 0, b[at[2]] != UInt8(ascii: "n") {
            guard b[at[2]] == UInt8(ascii: "[") else {
                throw ConvergeError(.invalidJSON, "steps[\(index)].deps must be an array of strings")
            }
            var list: [String] = []
            i = at[2]
            try elements { (r: inout IRJSONReader) throws(ConvergeError) in
                guard r.b[r.i] == UInt8(ascii: "\"") else {
                    throw ConvergeError(.invalidJSON, "steps[\(index)].deps[\(list.count)] must be a string, found \(r.render(r.i))")
                }
                depEntries += 1
                if depEntries > r.limits.edges {
                    throw ConvergeError(.tooLarge, "more than \(r.limits.edges) deps in all (at steps[\(index)]); the limit is \(r.limits.edges) index entries")
                }
                list.append(try r.readString())
            }
            deps = list
        }
        let from = try string(3, required: false)
        let scheduling = try string(4, required: false)
        let expr = try string(5, required: false)
        let compile = try string(6, required: false)
        return IRStep(kind: kind, out: out, deps: deps, from: from, scheduling: scheduling, expr: expr, compile: compile)
    }

    /// A value as a message shows it: strings quoted and cut short, numbers as written (cut
    /// short), `true`/`false`/`null`, "an array", "an object".
    private func render(_ offset: Int) -> String {
        var r = self
        r.i = offset
        switch b[offset] {
        case UInt8(ascii: "\""): return ConvergeError.quoted((try? r.readString()) ?? "")
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "t"): return "true"
        case UInt8(ascii: "f"): return "false"
        case UInt8(ascii: "n"): return "null"
        default:
            _ = try? r.skipNumber()
            return ConvergeError.excerpt(String(decoding: UnsafeBufferPointer(rebasing: b[offset..<r.i]), as: UTF8.self))
        }
    }
}
