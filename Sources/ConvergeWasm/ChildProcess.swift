import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the package's child processes (node, clang, git): each in its own process group, with a
/// time limit after which the whole group is killed (SIGKILL), so a program that never exits —
/// or leaves children of its own behind — cannot hang the caller. SIGINT and SIGTERM of the
/// calling process kill the running groups and remove registered temporary directories
/// (``installSignalCleanup(_:)``, called by the CLI).
public enum ChildProcess {
    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        /// Killed by a signal it did not catch (a crash: 11 is SIGSEGV).
        case signaled(Int32)
        /// Still running at the time limit: its process group was killed.
        case timedOut(seconds: Double)

        /// "exited with 3", "was killed by signal 11 (SIGSEGV)", "did not finish within 10 s".
        public var description: String {
            switch self {
            case .exited(let s): return "exited with \(s)"
            case .signaled(let s): return "was killed by signal \(s)\(ChildProcess.signalName(s).map { " (\($0))" } ?? "")"
            case .timedOut(let t): return "did not finish within \(ChildProcess.seconds(t)) and was killed with its process group"
            }
        }
    }

    /// What a child printed and how it ended.
    public struct Result: Sendable {
        public var termination: Termination
        public var stdout: Data
        public var stderr: Data

        public var succeeded: Bool { termination == .exited(0) }
    }

    /// "SIGSEGV" for 11, nil for signals without a well-known name.
    public static func signalName(_ s: Int32) -> String? {
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
                                      SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM",
                                      SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS"]
        return names[s]
    }

    static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
    }

    /// A time limit in seconds from the environment variable `name` (a positive number), else
    /// `fallback`.
    public static func timeLimit(_ name: String, default fallback: Double) -> Double {
        if let s = ProcessInfo.processInfo.environment[name], let v = Double(s), v > 0, v.isFinite { return v }
        return fallback
    }

    /// Most bytes of stderr kept (the rest is read and dropped).
    static let stderrLimit = 1 << 16

    /// Runs `exe` with `args` (stdin: /dev/null) until it exits or `timeout` seconds pass; reads
    /// stdout and stderr as they come (`mergeStderr`: stderr goes into `stdout` too).
    /// - Throws: the `errno` of a failed spawn, as an NSError-free `SpawnError`.
    public static func run(_ exe: URL, _ args: [String], timeout: Double, mergeStderr: Bool = false) throws(SpawnError) -> Result {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard cloexecPipe(&outPipe) else { throw SpawnError(exe.path, errno) }
        if !mergeStderr {
            guard cloexecPipe(&errPipe) else {
                let e = errno
                close(outPipe[0]); close(outPipe[1])
                throw SpawnError(exe.path, e)
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeStderr ? outPipe[1] : errPipe[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // its own process group (killed as one); default dispositions and an empty mask, whatever
        // this process ignores or blocks (the signal cleanup ignores SIGINT / SIGTERM here)
        posix_spawnattr_setpgroup(&attr, 0)
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([exe.path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let status = Registry.shared.spawning {
            let s = posix_spawn(&pid, exe.path, &actions, &attr, argv, environ)
            return (s, s == 0 ? pid : nil)
        }
        close(outPipe[1])
        if !mergeStderr { close(errPipe[1]) }
        guard status == 0 else {
            close(outPipe[0])
            if !mergeStderr { close(errPipe[0]) }
            throw SpawnError(exe.path, status)
        }
        defer { Registry.shared.finished(pid) }

        var out = Data(), err = Data()
        var fds = [outPipe[0]] + (mergeStderr ? [] : [errPipe[0]])
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9 }
        var exitStatus: Int32? = nil
        var exitedAt = 0.0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var timedOut = false
        while true {
            if exitStatus == nil {
                var st: Int32 = 0
                let r = waitpid(pid, &st, WNOHANG)
                if r == pid { exitStatus = st; exitedAt = elapsed() }
            }
            if fds.isEmpty && exitStatus != nil { break }
            let now = elapsed()
            if now >= timeout { timedOut = true; break }
            // the child is gone but something it started holds its output open: give it 2 s
            if exitStatus != nil && now - exitedAt > 2 { break }
            if fds.isEmpty { usleep(10_000); continue }
            var polls = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = Int32(max(1, min(100, (timeout - now) * 1000)))
            let n = poll(&polls, nfds_t(polls.count), wait)
            if n < 0 && errno != EINTR { break }
            guard n > 0 else { continue }
            for p in polls where p.revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress!, $0.count) }
                if got > 0 {
                    if p.fd == outPipe[0] { out.append(contentsOf: buffer[0..<got]) }
                    else if err.count < stderrLimit { err.append(contentsOf: buffer[0..<min(got, stderrLimit - err.count)]) }
                } else if got == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(p.fd)
                    fds.removeAll { $0 == p.fd }
                }
            }
        }
        // whatever of the group is still running: the child at its time limit, or what it left
        // holding its output (a reaped child's group id stays taken while members remain)
        if timedOut || exitStatus == nil || !fds.isEmpty { kill(-pid, SIGKILL) }
        for fd in fds { close(fd) }
        if exitStatus == nil {
            var st: Int32 = 0
            while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
            exitStatus = st
        }
        // killed by the signal cleanup: the process is about to die of that signal; report nothing
        if Registry.shared.isCleaning { while true { sleep(1) } }
        let st = exitStatus!
        let termination: Termination
        if timedOut { termination = .timedOut(seconds: timeout) }
        else if st & 0x7F == 0 { termination = .exited((st >> 8) & 0xFF) }
        else { termination = .signaled(st & 0x7F) }
        return Result(termination: termination, stdout: out, stderr: err)
    }

    /// A pipe whose ends close on exec (the child gets only the dup2'ed copies).
    static func cloexecPipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// A child that could not be started.
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public let program: String
        public let errno: Int32
        init(_ program: String, _ errno: Int32) { self.program = program; self.errno = errno }
        public var description: String { "cannot start \(program): \(String(cString: strerror(errno)))" }
    }

    // MARK: - cleanup on SIGINT / SIGTERM

    /// Registers a temporary directory to remove if the process is interrupted before
    /// ``unregisterTemporaryDirectory(_:)``.
    public static func registerTemporaryDirectory(_ path: String) { Registry.shared.addDirectory(path) }
    public static func unregisterTemporaryDirectory(_ path: String) { Registry.shared.removeDirectory(path) }

    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// On SIGINT, SIGTERM or SIGHUP: kills the running children's process groups, removes the
    /// registered temporary directories, calls `announce` with the signal, then dies of that
    /// signal (exit status 128 + n, as without the handler). Call once, at start-up.
    public static func installSignalCleanup(_ announce: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                Registry.shared.cleanUp()
                announce(sig)
                // die of the signal: default action, unblocked in this thread (dispatch may block
                // it to receive it), raised here; the exit status if that somehow returns
                signal(sig, SIG_DFL)
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, sig)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(sig)
                _exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    final class Registry: @unchecked Sendable {
        static let shared = Registry()
        private let lock = NSLock()
        private var groups: Set<pid_t> = []
        private var directories: Set<String> = []
        private var cleaning = false

        func spawning(_ body: () -> (Int32, pid_t?)) -> Int32 {
            lock.lock()
            defer { lock.unlock() }
            let (status, pid) = body()
            if let pid, cleaning { kill(-pid, SIGKILL) }
            if let pid { groups.insert(pid) }
            return status
        }

        var isCleaning: Bool { lock.lock(); defer { lock.unlock() }; return cleaning }

        func finished(_ pid: pid_t) { lock.lock(); groups.remove(pid); lock.unlock() }
        func addDirectory(_ p: String) { lock.lock(); directories.insert(p); lock.unlock() }
        func removeDirectory(_ p: String) { lock.lock(); directories.remove(p); lock.unlock() }

        func cleanUp() {
            lock.lock()
            cleaning = true
            let gs = groups, ds = directories
            lock.unlock()
            for g in gs { kill(-g, SIGKILL) }
            for d in ds { try? FileManager.default.removeItem(atPath: d) }
        }
    }
}
