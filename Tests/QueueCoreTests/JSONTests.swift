// Tests of the JSON layer: JSONValue/JSONObject/JSONNumber, the strict parser and the writer.
// Each rejection rule of the parser has a test that checks the message and the position.

import Testing
@testable import QueueCore

/// Parses `text` and returns the error, failing the test if it parsed.
private func syntaxError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONSyntaxError? {
    syntaxError(bytes: Array(text.utf8), sourceLocation: sourceLocation)
}

private func syntaxError(bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONSyntaxError? {
    do {
        let value = try parseJSON(bytes)
        Issue.record("expected a syntax error, parsed \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONParsingTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try parseJSON(#"{"s":"text","n":-12.5e3,"t":true,"f":false,"z":null,"a":[1,[]],"o":{}}"#)
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object.keys == ["s", "n", "t", "f", "z", "a", "o"])
        #expect(object["s"] == .string("text"))
        #expect(object["n"]?.doubleValue == -12500)
        #expect(object["t"] == .bool(true))
        #expect(object["f"]?.boolValue == false)
        #expect(object["z"] == .null)
        #expect(object["a"] == .array([.number(1), .array([])]))
        #expect(object["o"] == .object(JSONObject()))
        #expect(object["missing"] == nil)
    }

    @Test func acceptsSurroundingWhitespace() throws {
        #expect(try parseJSON(" \t\r\n 42 \n") == .number(42))
        #expect(try parseJSON("\n[ 1 , 2 ]\n") == [1, 2])
    }

    @Test(arguments: ["0", "-0", "7", "-1", "1.50", "0.0", "1e3", "1E+3", "-2.5e-10", "12345678901234567890",
                      "123456789012345678901234567890.000000000000000001", "6.02214076e23"])
    func numbersKeepTheirExactText(_ literal: String) throws {
        let value = try parseJSON(literal)
        #expect(value == .number(JSONNumber(literal)!))
        #expect(encodeJSON(value) == literal)
        #expect(encodeJSON(try parseJSON("[\(literal)]")) == "[\(literal)]")
    }

    @Test func parsesStringEscapes() throws {
        let value = try parseJSON(#""q\" b\\ s\/ \b\f\n\r\t \u0041\u00e9\u20AC \ud83d\ude00""#)
        #expect(value == .string("q\" b\\ s/ \u{8}\u{c}\n\r\t Aé€ 😀"))
        #expect(try parseJSON(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func passesUnicodeThrough() throws {
        let text = "\"héllo wörld — 日本語 😀\""
        #expect(try parseJSON(text) == .string("héllo wörld — 日本語 😀"))
        #expect(try parseJSON(#"{"ключ":"значение"}"#)["ключ"] == "значение")
    }

    @Test func parsesFromEveryKindOfByteCollection() throws {
        let bytes = Array(#"{"a":[1,2]}"#.utf8)
        let expected: JSONValue = ["a": [1, 2]]
        #expect(try parseJSON(bytes) == expected)
        #expect(try parseJSON(bytes[0...]) == expected)
        #expect(try parseJSON(#"{"a":[1,2]}"#.utf8) == expected)
        // A collection without contiguous storage is copied once.
        #expect(try parseJSON(bytes.lazy.map { $0 }) == expected)
        // A slice in the middle of a larger buffer (as a JSON Lines reader has).
        let lines = Array("{\"a\":1}\n{\"b\":2}\n".utf8)
        #expect(try parseJSON(lines[8..<15]) == ["b": 2])
    }

    @Test func keepsMemberOrder() throws {
        let text = #"{"zeta":1,"alpha":2,"mid":3,"beta":4}"#
        let value = try parseJSON(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "beta"])
        #expect(encodeJSON(value) == text)
    }

    @Test func parsesLargeObjectsAndArrays() throws {
        let members = (0..<1000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try parseJSON("{\(members)}").objectValue)
        #expect(object.count == 1000)
        #expect(object["k999"] == .number(999))
        #expect(object.keys.first == "k0")
        let elements = (0..<10_000).map(String.init).joined(separator: ",")
        #expect(try parseJSON("[\(elements)]").arrayValue?.count == 10_000)
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let deepest = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parseJSON(deepest) }
        let objects = String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)
        #expect(throws: Never.self) { try parseJSON(objects) }
        #expect(throws: Never.self) { try parseJSON("[[[1]]]", maximumDepth: 3) }
    }
}

@Suite struct JSONRejectionTests {
    @Test func rejectsTrailingGarbage() {
        let error = syntaxError(#"{"a":1} x"#)
        #expect(error?.message == "unexpected character 'x' after the JSON value")
        #expect(error?.offset == 8)
        #expect(error?.column == 9)
        #expect(syntaxError("1 2")?.offset == 2)
        #expect(syntaxError("[] []") != nil)
        #expect(syntaxError("{}}") != nil)
    }

    @Test func rejectsEmptyAndBlankInput() {
        #expect(syntaxError("")?.message == "unexpected end of input; expected a JSON value")
        #expect(syntaxError("  \n ")?.line == 2)
    }

    @Test(arguments: ["01", "-01", "00", "0123"])
    func rejectsLeadingZeros(_ text: String) {
        #expect(syntaxError(text)?.message == "numbers must not have leading zeros")
    }

    @Test(arguments: ["NaN", "Infinity", "-Infinity", "[1,NaN]"])
    func rejectsNaNAndInfinity(_ text: String) {
        #expect(syntaxError(text)?.message == "NaN and Infinity are not valid JSON numbers")
    }

    @Test(arguments: ["-", "1.", "1.e3", ".5", "+1", "1e", "1e+", "0x10", "1.5.2", "- 1", "nan"])
    func rejectsMalformedNumbers(_ text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test(arguments: ["tru", "truth", "nul", "True", "NULL", "fals"])
    func rejectsMalformedLiterals(_ text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test func rejectsControlCharactersInStrings() {
        let newline = syntaxError("\"a\nb\"")
        #expect(newline?.message == "control character U+000A must be escaped in a string")
        #expect(newline?.offset == 2)
        #expect(syntaxError("\"tab\there\"")?.message == "control character U+0009 must be escaped in a string")
        #expect(syntaxError(bytes: [0x22, 0x00, 0x22]) != nil)
        #expect(syntaxError("\"esc \\n then raw \u{1}\"") != nil)  // in the slow path, too
    }

    @Test func rejectsLoneSurrogates() {
        #expect(syntaxError(#""\ud83d""#)?.message.contains("lone high surrogate") == true)
        #expect(syntaxError(#""\ud83d x""#)?.message.contains("lone high surrogate") == true)
        #expect(syntaxError(#""\ud83d\u0041""#)?.message.contains("not a low surrogate") == true)
        #expect(syntaxError(#""\ude00""#)?.message == #"lone low surrogate \uDE00"#)
        #expect(syntaxError(#""\ude00\ud83d""#) != nil)
    }

    @Test(arguments: [#""\x41""#, #""\u12""#, #""\u12G4""#, #""\'""#, #""\"#, #""\U0041""#])
    func rejectsBadEscapes(_ text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22],                    // never valid in UTF-8
        [0x22, 0xC0, 0xAF, 0x22],              // overlong "/"
        [0x22, 0xE0, 0x80, 0xAF, 0x22],        // overlong three-byte form
        [0x22, 0xED, 0xA0, 0x80, 0x22],        // an encoded surrogate (U+D800)
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xC3, 0x22],                    // truncated sequence
        [0x22, 0x80, 0x22],                    // stray continuation byte
        [0x22, 0xE2, 0x82],                    // truncated at end of input
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        let error = syntaxError(bytes: bytes)
        #expect(error?.message.contains("UTF-8") == true)
        #expect(error?.offset == 1)
    }

    @Test func rejectsInvalidUTF8InEscapedStrings() {
        #expect(syntaxError(bytes: Array(#""\n"#.utf8) + [0xFF, 0x22])?.message.contains("UTF-8") == true)
    }

    @Test func rejectsBinaryOutsideStrings() {
        #expect(syntaxError(bytes: [0x00])?.message == "unexpected byte 0x00; expected a JSON value")
        #expect(syntaxError(bytes: [0x7B, 0xFF, 0x7D]) != nil)
    }

    @Test func rejectsAByteOrderMark() {
        #expect(syntaxError(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8))?.message.contains("byte order mark") == true)
    }

    @Test func rejectsDuplicateKeysNamingTheKey() {
        let error = syntaxError(#"{"id":"a","command":"x","id":"b"}"#)
        #expect(error?.message == #"duplicate key "id" in object"#)
        #expect(error?.offset == 24)
        #expect(syntaxError(#"{"a":{"b":1,"b":2}}"#)?.message == #"duplicate key "b" in object"#)
        // Large objects use the hash index; duplicates must still be caught.
        let members = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(syntaxError("{\(members),\"k42\":0}")?.message == #"duplicate key "k42" in object"#)
        // The same key in different objects is fine, nested or not.
        #expect(throws: Never.self) { try parseJSON(#"[{"a":1},{"a":2}]"#) }
        #expect(throws: Never.self) { try parseJSON(#"{"a":{"x":1,"y":{"x":2}},"x":3,"y":4}"#) }
        // A duplicate after a nested object is still seen.
        #expect(syntaxError(#"{"a":{"x":1},"b":2,"a":3}"#)?.message == #"duplicate key "a" in object"#)
        // Escaped and plain spellings of one key are the same key.
        #expect(syntaxError(#"{"a":1,"\u0061":2}"#)?.message == #"duplicate key "a" in object"#)
        #expect(syntaxError(#"{"\n":1,"\u000a":2}"#)?.message == #"duplicate key "\n" in object"#)
    }

    @Test func keysAreComparedByteForByte() throws {
        // "é" precomposed and decomposed are equal as Swift Strings, but distinct JSON keys.
        let object = try #require(try parseJSON(#"{"\u00e9":1,"e\u0301":2}"#).objectValue)
        #expect(object.count == 2)
        #expect(object["\u{e9}"] == 1)
        #expect(object["e\u{301}"] == 2)
        var built = JSONObject()
        built["\u{e9}"] = 1
        built["e\u{301}"] = 2
        #expect(built.count == 2)
    }

    @Test func rejectsStructuralMistakes() {
        #expect(syntaxError(#"{"a":1 "b":2}"#)?.message == "expected ',' or '}' after object member")
        #expect(syntaxError("[1 2]")?.message == "expected ',' or ']' after array element")
        #expect(syntaxError(#"{"a" 1}"#)?.message == "expected ':' after object key")
        #expect(syntaxError("{a:1}")?.message.contains("expected a string key") == true)
        #expect(syntaxError("{'a':1}") != nil)
        #expect(syntaxError("['a']")?.message == "strings must be in double quotes")
        #expect(syntaxError("[1,]")?.message == "trailing comma before ']' is not allowed")
        #expect(syntaxError(#"{"a":1,}"#)?.message == "trailing comma before '}' is not allowed")
        #expect(syntaxError("[,1]") != nil)
        #expect(syntaxError(#"{"a":}"#) != nil)
        #expect(syntaxError("// comment\n1") != nil)
    }

    @Test(arguments: ["[", "{", #"{"a""#, #"{"a":"#, #"{"a":1"#, "[1,", #""abc"#, "[\"a\\"])
    func rejectsTruncatedInput(_ text: String) {
        let error = syntaxError(text)
        #expect(error != nil)
        #expect((error?.offset ?? -1) <= text.utf8.count)
    }

    @Test func reportsLineAndColumn() {
        let error = syntaxError("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}")
        #expect(error?.line == 4)
        #expect(error?.column == 3)
        #expect(error?.description == "line 4, column 3: expected ',' or '}' after object member")
        // Columns count characters, not bytes.
        let unicode = syntaxError(#"{"é😀":1 x}"#)
        #expect(unicode?.column == 9)
        #expect(unicode?.offset == 12)
        #expect(syntaxError(#"{"key": "value" "next": 1}"#)?.description
                == "line 1, column 17: expected ',' or '}' after object member")
    }

    @Test func deepNestingFailsCleanly() {
        let brackets = String(repeating: "[", count: 100_000)
        let error = syntaxError(brackets)
        #expect(error?.message == "arrays and objects nest deeper than 64 levels")
        #expect(error?.offset == 64)
        #expect(syntaxError(String(repeating: #"{"a":"#, count: 100_000)) != nil)
        #expect(syntaxError(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) != nil)
        #expect(syntaxError(String(repeating: "[{\"a\":", count: 50_000)) != nil)
        #expect(throws: JSONSyntaxError.self) { try parseJSON("[[[1]]]", maximumDepth: 2) }
    }

    @Test func survivesArbitraryBytes() throws {
        // A cheap fuzz: random bytes and random mutations of valid JSON must never crash.
        var generator = TestRandom(seed: 42)
        let seed = Array(#"{"a":[1,-2.5e3,"x\u00e9\n",true,null,{"b":{}}]}"#.utf8)
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = seed
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            if let value = try? parseJSON(bytes) {
                // Whatever parses must survive a round trip.
                #expect(try parseJSON(encodeJSON(value)) == value)
            }
        }
    }
}

@Suite struct JSONWritingTests {
    @Test func writesCompactJSON() {
        let value: JSONValue = ["id": "job1", "n": 3, "ok": true, "none": .null, "list": [1, "two", []], "empty": [:]]
        #expect(encodeJSON(value) == #"{"id":"job1","n":3,"ok":true,"none":null,"list":[1,"two",[]],"empty":{}}"#)
        #expect(value.description == encodeJSON(value))
    }

    @Test func writesPrettyJSONLikeJq() {
        let value: JSONValue = ["id": "job1", "env": ["A": "1"], "after": ["x", "y"], "tags": [], "meta": [:], "n": 1.5]
        let expected = """
        {
          "id": "job1",
          "env": {
            "A": "1"
          },
          "after": [
            "x",
            "y"
          ],
          "tags": [],
          "meta": {},
          "n": 1.5
        }
        """
        #expect(encodeJSON(value, pretty: true) == expected)
        #expect(encodeJSON("scalar", pretty: true) == #""scalar""#)
    }

    @Test func escapesWhatMustBeEscapedAndNothingElse() {
        let value = JSONValue.string("quote\" backslash\\ slash/ nl\n tab\t cr\r bs\u{8} ff\u{c} esc\u{1b} nul\u{0} del\u{7f} é 😀")
        #expect(encodeJSON(value) == #""quote\" backslash\\ slash/ nl\n tab\t cr\r bs\b ff\f esc\u001b nul\u0000 del\u007f é 😀""#)
        #expect(encodeJSON(["k\"ey\n": 1]) == #"{"k\"ey\n":1}"#)
    }

    @Test func appendsIntoABuffer() {
        var buffer = Array("prefix ".utf8)
        encodeJSON(["a": [1, 2]], into: &buffer)
        buffer.append(0x0A)
        encodeJSON(.null, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "prefix {\"a\":[1,2]}\nnull")
        var stringBuffer: [UInt8] = []
        encodeJSONString("a\"b", into: &stringBuffer)
        #expect(String(decoding: stringBuffer, as: UTF8.self) == #""a\"b""#)
    }

    @Test func roundTripsDocuments() throws {
        let documents = [
            #"{"id":"job1","command":"echo \"hi\" > /tmp/x","max_retries":2,"priority":-5,"#
                + #""run_at":"2026-11-22T15:30:12.250Z","env":{"PATH":"/bin","EMPTY":""},"after":[],"#
                + #""x-unknown":{"nested":[1.50,1e400,-0,12345678901234567890]}}"#,
            #"[null,true,false,"",[],{}]"#,
            #""\u001b[31mred\u001b[0m \t tabs \\ and 😀""#,
        ]
        for text in documents {
            let value = try parseJSON(text)
            #expect(encodeJSON(value) == text)
            #expect(try parseJSON(encodeJSON(value, pretty: true)) == value)
            #expect(encodeJSON(try parseJSON(encodeJSON(value, pretty: true))) == text)
        }
    }

    @Test func escapedFormsNormalize() throws {
        // Escapes that need none are written as the characters themselves.
        #expect(encodeJSON(try parseJSON(#""\/\u0041\u00e9""#)) == #""/Aé""#)
    }
}

@Suite struct JSONNumberTests {
    @Test func convertsToInt() {
        #expect(JSONNumber("42")?.int == 42)
        #expect(JSONNumber("-0")?.int == 0)
        #expect(JSONNumber("9223372036854775807")?.int == Int.max)
        #expect(JSONNumber("-9223372036854775808")?.int == Int.min)
        #expect(JSONNumber("9223372036854775808")?.int == nil)
        #expect(JSONNumber("12345678901234567890")?.int == nil)
        #expect(JSONNumber("3.0")?.int == nil)
        #expect(JSONNumber("1e3")?.int == nil)
        #expect(JSONNumber("42")?.isIntegerLiteral == true)
        #expect(JSONNumber("4.2")?.isIntegerLiteral == false)
    }

    @Test func convertsToDouble() {
        #expect(JSONNumber("1.5")?.double == 1.5)
        #expect(JSONNumber("1e3")?.double == 1000)
        #expect(JSONNumber("-2.5E-3")?.double == -0.0025)
        #expect(JSONNumber("12345678901234567890")?.double == 12345678901234567890.0)
        #expect(JSONNumber("1e400")?.double == nil)
        #expect(JSONNumber("1e-400")?.double == 0)
    }

    @Test func validatesLiteralText() {
        for valid in ["0", "-0", "1.25", "1e10", "1E-10", "-0.0e+0"] {
            #expect(JSONNumber(valid)?.text == valid)
        }
        for invalid in ["", "01", "+1", "1.", ".1", "1e", " 1", "1 ", "NaN", "inf", "0x1", "1_000"] {
            #expect(JSONNumber(invalid) == nil, "accepted \(invalid)")
        }
    }

    @Test func makesNumbersFromSwiftValues() {
        #expect(JSONNumber(42).text == "42")
        #expect(JSONNumber(Int64.min).text == "-9223372036854775808")
        #expect(JSONNumber(UInt64.max).text == "18446744073709551615")
        #expect(JSONNumber(2.0).text == "2")
        #expect(JSONNumber(-0.0).text == "0")
        #expect(JSONNumber(0.1).text == "0.1")
        #expect(JSONNumber(1.5).double == 1.5)
        #expect(JSONNumber(1e300).double == 1e300)
        #expect(JSONNumber(1e-7).double == 1e-7)
        #expect(JSONNumber(exactly: .nan) == nil)
        #expect(JSONNumber(exactly: .infinity) == nil)
        #expect(JSONValue(Double.nan) == .null)
        #expect(JSONValue(2.5) == .number(JSONNumber(2.5)))
        #expect(JSONValue(7).intValue == 7)
        // Integer literals take the integer path, so large ones stay exact.
        #expect(JSONValue(9_007_199_254_740_993) == .number(JSONNumber("9007199254740993")!))
        #expect(JSONNumber(9_007_199_254_740_993).text == "9007199254740993")
        // Every double makes text that the parser accepts and reads back exactly.
        for double in [0.1, 1.0 / 3, 1e22, 1e23, .leastNonzeroMagnitude, 1.7976931348623157e308, -123.456, 9007199254740994] {
            let number = JSONNumber(double)
            #expect(JSONNumber(number.text) != nil, "\(number.text)")
            #expect(number.double == double)
        }
    }

    @Test func equalityIsLiteral() {
        #expect(JSONNumber("1.0") != JSONNumber("1"))
        #expect(JSONNumber("1.0")?.double == JSONNumber("1")?.double)
        let literal: JSONNumber = 5
        #expect(literal == JSONNumber("5"))
    }
}

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrderAndReplacesInPlace() {
        var object = JSONObject()
        object["b"] = 1
        object["a"] = 2
        object["c"] = 3
        object["a"] = "replaced"
        #expect(object.keys == ["b", "a", "c"])
        #expect(object["a"] == "replaced")
        #expect(object.count == 3)
        #expect(object.map(\.key) == ["b", "a", "c"])
        #expect(object.values == [1, "replaced", 3])
    }

    @Test func removesMembers() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        #expect(object.removeValue(forKey: "b") == 2)
        #expect(object.removeValue(forKey: "b") == nil)
        #expect(object.keys == ["a", "c"])
        object["a"] = nil
        #expect(object.keys == ["c"])
        #expect(!object.contains(key: "a"))
        #expect(object.contains(key: "c"))
    }

    @Test func largeObjectsStayConsistentThroughEdits() {
        // Past the index threshold, lookups use the hash index; check it against a model.
        var object = JSONObject()
        var model: [(String, Int)] = []
        for index in 0..<200 {
            object["k\(index)"] = .number(JSONNumber(index))
            model.append(("k\(index)", index))
        }
        for index in stride(from: 0, to: 200, by: 3) {
            object.removeValue(forKey: "k\(index)")
            model.removeAll { $0.0 == "k\(index)" }
        }
        object["k1"] = "changed"
        object["new"] = .null
        model[model.firstIndex { $0.0 == "k1" }!].1 = -1
        model.append(("new", -2))
        #expect(object.count == model.count)
        #expect(object.keys == model.map(\.0))
        for (key, number) in model where number >= 0 {
            #expect(object[key]?.intValue == number)
        }
        #expect(object["k1"] == "changed")
        #expect(object["k3"] == nil)
        #expect(object["new"] == .null)
    }

    @Test func equalityIgnoresOrder() {
        let first: JSONObject = ["a": 1, "b": [true]]
        let second: JSONObject = ["b": [true], "a": 1]
        #expect(first == second)
        #expect(first != ["a": 1])
        #expect(first != ["a": 1, "b": [false]])
        #expect(first != ["a": 1, "c": [true]])
    }

    @Test func literalWithRepeatedKeyKeepsLastValue() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }
}

@Suite struct JSONValueAccessorTests {
    @Test func accessorsMatchTheCase() {
        let values: [JSONValue] = [.null, true, 3, 2.5, "s", [1], ["k": 1]]
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "number", "string", "array", "object"])
        #expect(values.map { $0.stringValue != nil } == [false, false, false, false, true, false, false])
        #expect(values.map { $0.intValue != nil } == [false, false, true, false, false, false, false])
        #expect(values.map { $0.doubleValue != nil } == [false, false, true, true, false, false, false])
        #expect(values.map { $0.boolValue != nil } == [false, true, false, false, false, false, false])
        #expect(values.map { $0.arrayValue != nil } == [false, false, false, false, false, true, false])
        #expect(values.map { $0.objectValue != nil } == [false, false, false, false, false, false, true])
        #expect(values.map(\.isNull) == [true, false, false, false, false, false, false])
        #expect(values[6]["k"] == 1)
        #expect(values[4]["k"] == nil)
    }
}
