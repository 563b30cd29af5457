// LiveConfig: the one source of a spool's current settings, shared by every copy of a Spool value
// (a worker's Claimer, ResultCommit, CandidateFeed and HookWatch all read through it). A worker
// reloads it when config.json changes; a run takes a snapshot when it starts and keeps it.

import QueueSystem
import Synchronization

/// The spool's settings as last read from config.json.
public final class LiveConfig: Sendable {
    private struct State {
        var config: Config
        /// What config.json looked like when it was read (nil: absent): inode, size, mtime, ctime.
        var stamp: [Int64]?
    }
    private let path: String
    private let state: Mutex<State>

    init(path: String, config: Config, stamp: [Int64]?) {
        self.path = path
        state = Mutex(State(config: config, stamp: stamp))
    }

    /// The settings now. A caller that needs several values consistent with each other reads
    /// this once and keeps the copy.
    public var current: Config { state.withLock { $0.config } }

    /// What `config.json` looks like on disk now, for noticing a change without reading it
    /// (where inotify cannot see: network file systems).
    static func stamp(of path: String) -> [Int64]? {
        guard let info = try? FileSystem.linkStatus(path) else { return nil }
        return [Int64(bitPattern: info.inode), Int64(info.size), info.modifiedMicroseconds, info.changedMicroseconds]
    }

    /// Re-reads config.json when its inode, size or times differ from the copy in use (or
    /// always, with `force`: SIGHUP, an inotify event). Returns the settings that changed, by
    /// name ("max_retries: 3 -> 5"), empty when none did. A file that cannot be read or is
    /// invalid leaves the settings in use as they are and throws, naming the problem.
    @discardableResult
    public func reload(force: Bool) throws(QueueError) -> [String] {
        let stamp = LiveConfig.stamp(of: path)
        if !force, stamp == state.withLock({ $0.stamp }) { return [] }
        let fresh: Config
        do {
            fresh = try Spool.readConfig(path)
        } catch {
            state.withLock { $0.stamp = stamp }  // said once, not at every tick, until it changes again
            throw error
        }
        return state.withLock { state in
            let old = state.config
            state.config = fresh
            state.stamp = stamp
            return Config.keys.compactMap { key in
                let (before, after) = (old.value(key), fresh.value(key))
                return before == after ? nil : "\(key.name): \(encodeJSON(before)) -> \(encodeJSON(after))"
            }
        }
    }
}
