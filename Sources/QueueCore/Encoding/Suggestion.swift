// "Did you mean ...?" for mistyped option, subcommand, setting and field names.
// Guarantees: a suggestion is at most two edits away (Levenshtein distance); among
// equally close candidates the first one given wins.

/// The candidate closest to `word`, if one is at most two edits away.
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let maximumDistance = 2
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(word, candidate)
        if distance <= maximumDistance, distance < best?.distance ?? .max {
            best = (candidate, distance)
        }
    }
    return best?.candidate
}

/// The Levenshtein distance: how many insertions, deletions and substitutions turn `a` into `b`.
public func editDistance(_ a: String, _ b: String) -> Int {
    let source = Array(a), target = Array(b)
    var previousRow = Array(0...target.count)
    for (i, sourceCharacter) in source.enumerated() {
        var currentRow = [i + 1]
        for (j, targetCharacter) in target.enumerated() {
            let substitution = previousRow[j] + (sourceCharacter == targetCharacter ? 0 : 1)
            currentRow.append(min(substitution, previousRow[j + 1] + 1, currentRow[j] + 1))
        }
        previousRow = currentRow
    }
    return previousRow[target.count]
}
