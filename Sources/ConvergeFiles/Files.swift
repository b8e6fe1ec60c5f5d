import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private func sysRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Glibc.read(fd, p, n) }
private func sysWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Glibc.write(fd, p, n) }
#else
private func sysRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Darwin.read(fd, p, n) }
private func sysWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
#endif

/// Why a file could not be read or written: the path and the cause in errno's words
/// ("is a directory", "is a FIFO, not a regular file", "too many levels of symbolic links",
/// "read-only file system", "permission denied"…). `description` is the sentence callers put in
/// their own typed error: `cannot read graph.json: is a FIFO, not a regular file`.
public struct FileFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// "read" or "write".
    public let verb: String
    public let path: String
    public let reason: String

    public init(_ verb: String, _ path: String, _ reason: String) {
        self.verb = verb
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot \(verb) \(path.isEmpty ? "\"\"" : path): \(reason)" }
}

/// Reading and writing the files a user names (IR, artifacts, reports, outputs), one way for
/// every reader and writer of the package:
///
/// - reads take regular files only, checked before anything could block (a FIFO, a terminal, a
///   directory are refused by `stat`, and the file is opened with `O_NONBLOCK`), and copy the
///   bytes (no `mmap`: a file truncated by another process while in use must not be a SIGBUS);
/// - writes go to what the path names: a regular file (or a symlink to one) is replaced
///   atomically (a temporary file beside it, then `rename`), a character device or a FIFO
///   (`/dev/null`, `/dev/stdout` on a pipe) is written in place and never replaced, a `/dev/…`
///   link to a regular file (`/dev/stdout` redirected to a file) is opened and truncated, not
///   replaced; directories, sockets, block devices, files of `/proc` or `/sys` are refused;
/// - ``checkWritable(_:createDirectories:)`` finds a bad output before the long work starts.
public enum Files {
    // MARK: - causes

    /// errno in words, first letter lower-case ("no such file or directory").
    public static func reason(errno e: Int32) -> String {
        let s = String(cString: strerror(e))
        guard let first = s.first else { return "error \(e)" }
        return first.lowercased() + s.dropFirst()
    }

    /// What a non-regular file is, for messages ("a FIFO").
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    static func notRegular(_ mode: mode_t) -> String {
        mode & S_IFMT == S_IFDIR ? "is a directory" : "is \(kind(mode)), not a regular file"
    }

    // MARK: - reading

    /// Opens a regular file for reading without ever blocking on it (`stat`, then `open` with
    /// `O_NONBLOCK`, then `fstat` on the descriptor). Returns the descriptor and its size.
    static func openRegular(_ path: String) throws(FileFailure) -> (fd: Int32, size: Int) {
        guard !path.isEmpty else { throw FileFailure("read", path, "empty path") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileFailure("read", path, reason(errno: errno)) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw FileFailure("read", path, notRegular(st.st_mode)) }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw FileFailure("read", path, reason(errno: errno)) }
        // the path may have been swapped between stat and open: judge the file actually opened
        guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw FileFailure("read", path, reason(errno: e)) }
        guard st.st_mode & S_IFMT == S_IFREG else { close(fd); throw FileFailure("read", path, notRegular(st.st_mode)) }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return (fd, Int(st.st_size))
    }

    /// The size in bytes of a regular file (the same checks as ``read(_:maxBytes:)``), for
    /// callers that bound what they read.
    public static func size(_ path: String) throws(FileFailure) -> Int {
        let (fd, size) = try openRegular(path)
        close(fd)
        return size
    }

    /// Reads `count` bytes at most into `dest`; returns how many were read (fewer: end of file).
    static func readFully(_ fd: Int32, _ dest: UnsafeMutableRawPointer, _ count: Int, path: String) throws(FileFailure) -> Int {
        var done = 0
        while done < count {
            let n = sysRead(fd, dest + done, min(count - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileFailure("read", path, reason(errno: errno))
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// The bytes of a regular file (to its end, also when its size changes while it is read, as
    /// files of `/proc` do).
    /// - Parameter maxBytes: refuse a file larger than this.
    public static func read(_ path: String, maxBytes: Int? = nil) throws(FileFailure) -> Data {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        if let maxBytes, size > maxBytes {
            throw FileFailure("read", path, "the file has \(size) bytes, more than the \(maxBytes) allowed")
        }
        var out = Data()
        var capacity = max(size, 4096)
        while true {
            var chunk = Data(count: capacity)
            var failure: FileFailure?
            let n = chunk.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) -> Int in
                do throws(FileFailure) { return try readFully(fd, b.baseAddress!, b.count, path: path) } catch { failure = error; return 0 }
            }
            if let failure { throw failure }
            out.append(chunk.prefix(n))
            if let maxBytes, out.count > maxBytes {
                throw FileFailure("read", path, "the file grew past the \(maxBytes) bytes allowed while it was read")
            }
            if n < capacity { return out }
            capacity = 1 << 16
        }
    }

    /// A regular file's bytes in fresh page-aligned memory (so any alignment up to the page size
    /// holds), read rather than mapped: another process truncating or rewriting the file meanwhile
    /// yields the bytes read (which a format's own checks then judge) or an error, never a SIGBUS.
    /// Free the memory with ``AlignedBytes/deallocate()``.
    public static func readAligned(_ path: String) throws(FileFailure) -> AlignedBytes {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        let mem = AlignedBytes.allocate(size)
        guard let base = mem.base else { throw FileFailure("read", path, "cannot allocate \(size) bytes") }
        let n: Int
        do { n = try readFully(fd, base, size, path: path) } catch { mem.deallocate(); throw error }
        if n == size {
            // the file grew while it was read: its bytes are no longer one version of it
            var extra: UInt8 = 0
            if sysRead(fd, &extra, 1) > 0 {
                mem.deallocate()
                throw FileFailure("read", path, "the file changed while it was read (it grew past the \(size) bytes it had)")
            }
        }
        return AlignedBytes(base: mem.base, capacity: mem.capacity, count: n)
    }

    // MARK: - writing

    /// What an output path names, resolved through symlinks.
    enum Target {
        /// A regular file (possibly through a symlink) or no file yet: write a temporary file in
        /// the same directory and rename it over `path` (the resolved one).
        case replace(path: String)
        /// A character device or a FIFO (possibly through a symlink): write to it in place.
        case inPlace(path: String, fifo: Bool)
        /// A dangling symlink: open through it, creating its target.
        case throughLink(path: String)
    }

    static func parent(_ path: String) -> String {
        let d = (path as NSString).deletingLastPathComponent
        return d.isEmpty ? "." : d
    }

    /// Virtual file systems whose files are not files one can replace: a path on the device of
    /// `/proc` or `/sys`.
    static func virtualFileSystem(_ path: String) -> String? {
        var st = stat(), root = stat()
        guard stat(path, &st) == 0 else { return nil }
        for (fs, mount) in [("proc", "/proc"), ("sysfs", "/sys")] where stat(mount, &root) == 0 && root.st_dev == st.st_dev {
            return fs
        }
        return nil
    }

    static func readOnlyFileSystem(_ path: String) -> Bool {
        var fs = statvfs()
        return statvfs(path, &fs) == 0 && fs.f_flag & UInt(ST_RDONLY) != 0
    }

    static func resolve(_ path: String) throws(FileFailure) -> Target {
        guard !path.isEmpty else { throw FileFailure("write", path, "empty path") }
        var st = stat()
        if lstat(path, &st) != 0 {
            let e = errno
            guard e == ENOENT else { throw FileFailure("write", path, reason(errno: e)) }
            return .replace(path: path)
        }
        var resolved = path
        var target = stat()
        if st.st_mode & S_IFMT == S_IFLNK && path.hasPrefix("/dev/") && stat(path, &target) == 0 && target.st_mode & S_IFMT == S_IFREG {
            // /dev/stdout, /dev/fd/N redirected to a file: write into the open file, as the shell
            // meant, rather than replace the file under the shell's descriptor
            return .throughLink(path: path)
        }
        if st.st_mode & S_IFMT == S_IFLNK {
            if let r = realpath(path, nil) {
                resolved = String(cString: r)
                free(r)
                guard stat(resolved, &st) == 0 else { throw FileFailure("write", path, reason(errno: errno)) }
            } else {
                let e = errno
                guard e == ENOENT else { throw FileFailure("write", path, reason(errno: e)) }
                // dangling (create the target through the link), or a link with no path name to
                // resolve to, as /dev/stdout -> /proc/self/fd/1 -> "pipe:[…]": write through it
                guard stat(path, &st) == 0 else { return .throughLink(path: path) }
                switch st.st_mode & S_IFMT {
                case S_IFREG: return .throughLink(path: path)
                case S_IFCHR: return .inPlace(path: path, fifo: false)
                case S_IFIFO: return .inPlace(path: path, fifo: true)
                default: throw FileFailure("write", path, notRegular(st.st_mode))
                }
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            if let fs = virtualFileSystem(resolved) {
                throw FileFailure("write", path, "is a file of the \(fs) file system, not a regular file to replace")
            }
            return .replace(path: resolved)
        case S_IFCHR: return .inPlace(path: resolved, fifo: false)
        case S_IFIFO: return .inPlace(path: resolved, fifo: true)
        default: throw FileFailure("write", path, notRegular(st.st_mode))
        }
    }

    /// Checks, without changing anything, that `path` can be written: for a new or regular file,
    /// its directory (or, with `createDirectories`, the nearest existing ancestor) takes a new file;
    /// a device or FIFO opens for writing. Call it before long work whose result goes there.
    public static func checkWritable(_ path: String, createDirectories: Bool = false) throws(FileFailure) {
        switch try resolve(path) {
        case .throughLink(let p):
            // an existing file behind the link must take writes; a dangling link's target
            // directory is judged by the write itself
            if access(p, F_OK) == 0 && access(p, W_OK) != 0 { throw FileFailure("write", path, reason(errno: errno)) }
        case .replace(let p):
            var st = stat()
            if stat(p, &st) == 0 {
                // an existing file: replacing it needs its write permission too
                if access(p, W_OK) != 0 { throw FileFailure("write", path, reason(errno: errno)) }
            }
            var dir = parent(p)
            while true {
                if stat(dir, &st) == 0 {
                    guard st.st_mode & S_IFMT == S_IFDIR else {
                        throw FileFailure("write", path, "\(dir) is \(kind(st.st_mode)), not a directory")
                    }
                    break
                }
                let e = errno
                guard e == ENOENT, createDirectories, dir != "/", dir != "." else {
                    throw FileFailure("write", path, e == ENOENT ? "the directory \(dir) does not exist" : "\(dir): \(reason(errno: e))")
                }
                dir = parent(dir)
            }
            if readOnlyFileSystem(dir) { throw FileFailure("write", path, reason(errno: EROFS)) }
            if let fs = virtualFileSystem(dir) { throw FileFailure("write", path, "\(dir) is on the \(fs) file system, where no file can be created") }
            if access(dir, W_OK) != 0 { throw FileFailure("write", path, "\(dir): \(reason(errno: errno))") }
        case .inPlace(let p, let fifo):
            let fd = try openInPlace(p, fifo: fifo, shown: path)
            close(fd)
        }
    }

    static func openInPlace(_ p: String, fifo: Bool, shown path: String) throws(FileFailure) -> Int32 {
        let fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | (fifo ? O_NONBLOCK : 0))
        guard fd >= 0 else {
            let e = errno
            throw FileFailure("write", path, fifo && e == ENXIO ? "is a FIFO with no reader" : reason(errno: e))
        }
        if fifo {
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(FileFailure) {
        var done = 0
        while done < bytes.count {
            let n = sysWrite(fd, bytes.baseAddress! + done, min(bytes.count - done, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileFailure("write", path, reason(errno: errno))
            }
            done += n
        }
    }

    /// Writes `data` to what `path` names (see ``Files``): atomically for a regular file, in
    /// place for a character device or a FIFO; never replaces anything but a regular file.
    public static func write(_ data: Data, to path: String) throws(FileFailure) {
        var failure: FileFailure?
        data.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
            do throws(FileFailure) { try write(b, to: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws(FileFailure) {
        try checkWritable(path)
        switch try resolve(path) {
        case .inPlace(let p, let fifo):
            let fd = try openInPlace(p, fifo: fifo, shown: path)
            defer { close(fd) }
            try writeAll(fd, bytes, path: path)
        case .throughLink(let p):
            let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0o666)
            guard fd >= 0 else { throw FileFailure("write", path, reason(errno: errno)) }
            defer { close(fd) }
            try writeAll(fd, bytes, path: path)
        case .replace(let p):
            let dir = parent(p)
            let name = (p as NSString).lastPathComponent
            var mode: mode_t = 0o666
            var st = stat()
            if stat(p, &st) == 0 { mode = st.st_mode & 0o7777 }
            var tmp = ""
            var fd: Int32 = -1
            for _ in 0..<16 {
                tmp = "\(dir)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
                if fd >= 0 || errno != EEXIST { break }
            }
            guard fd >= 0 else { throw FileFailure("write", path, "cannot create a temporary file in \(dir): \(reason(errno: errno))") }
            if mode != 0o666 { _ = fchmod(fd, mode) } // open applied the umask; keep the old file's mode
            do {
                try writeAll(fd, bytes, path: path)
            } catch {
                close(fd)
                unlink(tmp)
                throw error
            }
            if close(fd) != 0 {
                let e = errno
                unlink(tmp)
                throw FileFailure("write", path, reason(errno: e))
            }
            if rename(tmp, p) != 0 {
                let e = errno
                unlink(tmp)
                throw FileFailure("write", path, reason(errno: e))
            }
        }
    }

    /// Creates the missing directories above `path` (bench's default `out/…`).
    public static func createParentDirectories(of path: String) throws(FileFailure) {
        let dir = parent(path)
        var st = stat()
        if stat(dir, &st) == 0 { return }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw FileFailure("write", path, "cannot create the directory \(dir)")
        }
    }

    /// True when two output paths name the same regular file (through symlinks, `..`, hard
    /// links; for files not yet there, the same place in the same directory). Devices and FIFOs
    /// are never "the same file": `--out /dev/null --html /dev/null` discards both.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        guard let x = identity(a), let y = identity(b) else { return a == b } // directories not there yet
        return !x.isEmpty && x == y
    }

    static func identity(_ path: String) -> String? {
        var st = stat()
        if stat(path, &st) == 0 {
            return st.st_mode & S_IFMT == S_IFREG ? "inode \(st.st_dev):\(st.st_ino)" : "" // "": a device, a FIFO
        }
        // not there yet: the resolved directory and the name
        guard let r = realpath(parent(path), nil) else { return nil }
        defer { free(r) }
        return "path \(String(cString: r))/\((path as NSString).lastPathComponent)"
    }
}

/// Page-aligned memory holding a file's bytes (``Files/readAligned(_:)``); free it once.
public struct AlignedBytes: @unchecked Sendable {
    /// nil only when the allocation failed.
    public let base: UnsafeMutableRawPointer?
    /// Bytes allocated (a multiple of the page size, at least one page).
    public let capacity: Int
    /// Bytes read.
    public let count: Int

    static func allocate(_ size: Int) -> AlignedBytes {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let capacity = max(page, (size + page - 1) / page * page)
        let p = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let p, p != MAP_FAILED else { return AlignedBytes(base: nil, capacity: 0, count: 0) }
        #if os(Linux)
        if capacity >= 4 << 20 { _ = madvise(p, capacity, MADV_HUGEPAGE) } // fewer page faults on big files
        #endif
        return AlignedBytes(base: p, capacity: capacity, count: 0)
    }

    public func deallocate() {
        if let base { munmap(base, capacity) }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
