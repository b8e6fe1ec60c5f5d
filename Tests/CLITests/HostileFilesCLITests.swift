import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hostile files and child processes: FIFOs, directories, symlink loops and devices given as
/// inputs or outputs, a file truncated while it is loaded, a `node` that never exits or crashes,
/// Ctrl-C during a node job. Each must end in bounded time with one clear line and exit 2 (or a
/// correct answer); nothing may hang, crash, or replace a device or a symlink.
@Suite(.serialized) struct HostileFilesCLITests {
    struct Run {
        let status: Int32
        let signaled: Bool
        let stdout: String
        let stderr: String
        let seconds: Double
        let hung: Bool
    }

    /// Runs `converge` and kills it after `deadline` seconds (then `hung` is true): a test of
    /// something that used to hang fails instead of hanging the suite.
    static func run(_ args: [String], environment: [String: String] = [:], deadline: Double = 30,
                    whileRunning: ((Process) -> Void)? = nil) throws -> Run {
        let p = Process()
        p.executableURL = CLITests.executable
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outFile = try tempDir().appendingPathComponent("stdout")
        let errFile = outFile.deletingLastPathComponent().appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: outFile)
        p.standardError = try FileHandle(forWritingTo: errFile)
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        whileRunning?(p)
        var hung = false
        while p.isRunning {
            if Date().timeIntervalSince(start) > deadline { hung = true; kill(p.processIdentifier, SIGKILL); break }
            usleep(20_000)
        }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        return Run(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                   stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "", seconds: seconds, hung: hung)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("converge-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func expectBadInput(_ r: Run, _ fragment: String, _ what: String) {
        #expect(!r.hung, "\(what) hung")
        #expect(r.status == 2 && !r.signaled, "\(what): status \(r.status)")
        #expect(r.stderr.contains(fragment), "\(what): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(what): \(r.stderr)")
    }

    static func writeScript(_ dir: URL, _ name: String, _ body: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: url)
        chmod(url.path, 0o755)
        return url.path
    }

    /// Running (a zombie nobody reaps — PID 1 of a container may not — is not running).
    static func alive(_ pid: pid_t) -> Bool {
        // a process killed a moment ago may take a moment to go
        for _ in 0..<100 where running(pid) { usleep(30_000) }
        return running(pid)
    }

    static func running(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].hasPrefix(") Z")
    }

    static func pids(_ file: URL) -> [pid_t] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { pid_t($0) }
    }

    static let ir = """
    {"format": "converge-ir", "version": 1, "fields": ["b0"],
     "steps": [{"kind": "computed", "out": "d0", "deps": ["b0"], "scheduling": "immediate", "expr": "b0 + 1"}]}
    """

    // MARK: - reading

    @Test func aFIFOAsAnyInputIsRefusedAtOnce() throws {
        let dir = try Self.tempDir()
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let ir = dir.appendingPathComponent("g.json").path
        try Data(Self.ir.utf8).write(to: URL(fileURLWithPath: ir))
        for args in [["inspect", "--ir", fifo], ["plan", "--ir", fifo, "--dirty", "b0"], ["plan", "--artifact", fifo], ["bench-load", fifo],
                     ["compile", fifo, "-o", dir.appendingPathComponent("x.ckir").path], ["diff", fifo, fifo], ["gate", fifo, fifo],
                     ["bench", "--ir", fifo, "--no-bandwidth", "--backend", "native-l1"]] {
            let r = try Self.run(args, deadline: 10)
            Self.expectBadInput(r, "cannot read \(fifo): is a FIFO, not a regular file", args.joined(separator: " "))
        }
    }

    @Test func aDirectoryOrASymlinkLoopIsNamedAsSuch() throws {
        let dir = try Self.tempDir()
        let a = dir.appendingPathComponent("a").path, b = dir.appendingPathComponent("b").path
        #expect(symlink(a, b) == 0 && symlink(b, a) == 0)
        for args in [["inspect", "--ir", dir.path], ["bench-load", dir.path], ["diff", dir.path, dir.path]] {
            Self.expectBadInput(try Self.run(args, deadline: 10), "cannot read \(dir.path): is a directory", args.joined(separator: " "))
        }
        for args in [["inspect", "--ir", a], ["plan", "--artifact", a], ["gate", a, a]] {
            Self.expectBadInput(try Self.run(args, deadline: 10), "cannot read \(a): too many levels of symbolic links", args.joined(separator: " "))
        }
        let missing = dir.appendingPathComponent("missing.json").path
        Self.expectBadInput(try Self.run(["inspect", "--ir", missing]), "cannot read \(missing): no such file or directory", "missing")
    }

    /// Another process truncates and rewrites the artifact while it is loaded, hundreds of times:
    /// every load is the file's bytes or a clean error, never a SIGBUS (the old mmap).
    @Test func anArtifactTruncatedWhileLoadedIsNeverACrash() throws {
        let dir = try Self.tempDir()
        let file = dir.appendingPathComponent("g.ckir").path
        let c = try Self.run(["compile", "--converge-steps", "20000", "-o", file])
        #expect(c.status == 0, "\(c.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let stop = StopFlag()
        let rewriter = Thread {
            // shrink the file and write it back, then leave it whole for a moment: a load that
            // starts on the whole file sees it shrink under it
            while !stop.isSet {
                let fd = open(file, O_WRONLY)
                guard fd >= 0 else { continue }
                _ = ftruncate(fd, 4096)
                _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                close(fd)
                usleep(2000)
            }
        }
        rewriter.start()
        defer { stop.set() }
        var outcomes: [String: Int] = [:]
        for _ in 0..<20 {
            let r = try Self.run(["bench-load", file, "--runs", "50", "--open-only"], deadline: 60)
            #expect(!r.signaled && !r.hung, "bench-load died: \(r.signaled ? "signal" : "status") \(r.status) \(r.stderr)")
            let clean = r.stderr.contains("invalid artifact") || r.stderr.contains("the file changed while it was read")
            #expect(r.status == 0 || (r.status == 2 && clean), "\(r.stderr)")
            outcomes[r.signaled ? "signal \(r.status)" : "exit \(r.status)", default: 0] += 1
        }
        #expect(outcomes.keys.allSatisfy { $0.hasPrefix("exit") }, "\(outcomes)")
    }

    // MARK: - writing

    @Test func aCharacterDeviceOutputIsWrittenNotReplaced() throws {
        let dir = try Self.tempDir()
        let dev = dir.appendingPathComponent("null").path
        // our own /dev/null (1, 3) when allowed (root), else /dev/null itself
        let node = mknod(dev, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 ? dev : "/dev/null"
        let r = try Self.run(["compile", "--converge-steps", "10", "-o", node])
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(stat(node, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "\(node) is no longer a character device")
        #expect(lstat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "/dev/null is no longer a character device")
    }

    @Test func aSymlinkOutputWritesItsTarget() throws {
        let dir = try Self.tempDir()
        let target = dir.appendingPathComponent("target.ckir").path, link = dir.appendingPathComponent("link.ckir").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        #expect(symlink(target, link) == 0)
        let r = try Self.run(["compile", "--converge-steps", "10", "-o", link])
        #expect(r.status == 0, "\(r.stderr)")
        var st = stat()
        #expect(lstat(link, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK, "the link was replaced")
        let written = try Data(contentsOf: URL(fileURLWithPath: target))
        #expect(written.prefix(4) == Data("CKIR".utf8), "the target did not get the artifact")
    }

    /// /dev/stdout on a pipe is written in place; /dev/null for two outputs is not "one file".
    @Test func devStdoutAndDevNullAreOutputs() throws {
        let r = try CLITests().run(["compile", "--converge-steps", "10", "-o", "/dev/stdout"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("CKIR") && r.stdout.contains("/dev/stdout: 10 steps"))
        let b = try Self.run(["bench", "--profile", "smoke", "--backend", "native-l1", "--steps", "200", "--ratios", "1", "--modes", "dirty",
                              "--no-bandwidth", "--no-progress", "--out", "/dev/null", "--html", "/dev/null"], deadline: 120)
        #expect(b.status == 0 && b.stdout.contains("report: /dev/null"), "\(b.stderr)")
        var st = stat()
        #expect(lstat("/dev/null", &st) == 0 && st.st_mode & S_IFMT == S_IFCHR)
    }

    @Test func badOutputsAreNamed() throws {
        let dir = try Self.tempDir()
        Self.expectBadInput(try Self.run(["compile", "--converge-steps", "10", "-o", ""]), "cannot write \"\": empty path", "-o \"\"")
        Self.expectBadInput(try Self.run(["compile", "--converge-steps", "10", "-o", dir.path]), "cannot write \(dir.path): is a directory", "-o DIR")
        Self.expectBadInput(try Self.run(["compile", "--converge-steps", "10", "-o", "/proc/version"]), "cannot write /proc/version: is a file of the proc file system", "/proc/version")
        let nodir = dir.appendingPathComponent("no/such/dir/x.ckir").path
        Self.expectBadInput(try Self.run(["compile", "--converge-steps", "10", "-o", nodir]), "does not exist", "missing directory")
    }

    /// Outputs are checked before the bench runs: a directory for --html, or --out and --html
    /// naming one file (also through a symlink) are refused at once, with nothing measured.
    @Test func benchOutputsAreCheckedBeforeTheRun() throws {
        let dir = try Self.tempDir()
        let report = dir.appendingPathComponent("r.json").path, alias = dir.appendingPathComponent("alias.json").path
        try Data().write(to: URL(fileURLWithPath: report))
        #expect(symlink(report, alias) == 0)
        let bench = ["bench", "--profile", "smoke", "--backend", "native-l1", "--steps", "200", "--ratios", "1", "--modes", "dirty", "--no-progress"]
        for (out, html, fragment) in [(report, report, "the same file"), (report, alias, "the same file"),
                                      (report, dir.path, "cannot write \(dir.path): is a directory"),
                                      (dir.appendingPathComponent("../\(dir.lastPathComponent)/r.json").path, report, "the same file")] {
            let r = try Self.run(bench + ["--out", out, "--html", html], deadline: 60)
            Self.expectBadInput(r, fragment, "--out \(out) --html \(html)")
            #expect(!r.stderr.contains("probing"), "the run started: \(r.stderr)")
        }
        Self.expectBadInput(try Self.run(bench + ["--out", "/proc/version"]), "cannot write /proc/version", "--out /proc/version")
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
