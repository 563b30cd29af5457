// LocalTime: the system's local time zone through libc (localtime_r, tzset): the wall-clock
// fields of an instant and the zone's offset from UTC then. Daylight-saving rules come from the
// system's tz database, as cron's do; `TZ` in the environment picks another zone.

#if canImport(Glibc)
import Glibc
#endif

/// The fields a clock on the wall shows at one instant, with the zone's offset from UTC.
public struct WallTime: Sendable, Equatable {
    public var year: Int
    public var month: Int  // 1...12
    public var day: Int    // 1...31
    public var hour: Int
    public var minute: Int
    /// 0 is Sunday, as cron counts.
    public var weekday: Int
    /// Seconds east of UTC.
    public var utcOffset: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, weekday: Int, utcOffset: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.weekday = weekday
        self.utcOffset = utcOffset
    }
}

public enum LocalTime {
    /// localtime_r(3) of `seconds` since the epoch.
    public static func wallTime(secondsSinceEpoch seconds: Int64) -> WallTime {
        var time = time_t(seconds)
        var fields = tm()
        _ = localtime_r(&time, &fields)
        return WallTime(year: Int(fields.tm_year) + 1900, month: Int(fields.tm_mon) + 1, day: Int(fields.tm_mday),
                        hour: Int(fields.tm_hour), minute: Int(fields.tm_min), weekday: Int(fields.tm_wday),
                        utcOffset: Int(fields.tm_gmtoff))
    }

    /// Switches this process's local zone (`TZ`, then tzset(3)); nil restores the system's.
    /// For tests of daylight-saving days.
    public static func useZone(_ name: String?) {
        if let name { setenv("TZ", name, 1) } else { unsetenv("TZ") }
        tzset()
    }
}
