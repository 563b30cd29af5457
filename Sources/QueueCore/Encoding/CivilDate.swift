// CivilDate: proleptic Gregorian dates ↔ days since 1970-01-01, for Timestamp.
// Guarantees: exact for every date Int64 microseconds can reach (Howard Hinnant's
// days_from_civil / civil_from_days, http://howardhinnant.github.io/date_algorithms.html).

/// A calendar date (UTC, proleptic Gregorian).
struct CivilDate: Equatable {
    var year: Int64
    var month: Int  // 1...12
    var day: Int    // 1...31

    /// The date `days` days after 1970-01-01 (negative: before).
    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                                     // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)        // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153                                          // [0, 11], March = 0
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    init(year: Int64, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative: before).
    var daysSinceEpoch: Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400                                  // [0, 399]
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)              // March = 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1            // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1...12) of `year`.
    static func daysInMonth(_ month: Int, year: Int64) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
