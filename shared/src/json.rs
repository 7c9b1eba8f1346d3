//! A small JSON reader (RFC 8259) and the browser's decoding of the HTTP
//! APIs' answers ([`FromJson`]), so that the browser build carries neither
//! `serde_json` nor serde's generated visitors: about a tenth of the
//! `.wasm` (docs/frontend-size.md). The server writes the same JSON with
//! serde; every type's `FromJson` is tested against that output.
//!
//! What it reads: any JSON text, into a [`Value`] tree. Numbers are kept as
//! written and read only as integers (the APIs have no fractions), which
//! keeps float parsing and its tables out of the browser. Decoding follows
//! serde's defaults: unknown fields are ignored, an absent or `null` field
//! is `None` for an `Option` and an error otherwise.

use std::fmt;

/// A JSON value. Object members keep their order; duplicates are kept too
/// (the first one is read, as [`Value::get`] finds it first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written (`-12`, `3.5e2`), validated.
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// The shared `null` that absent fields read as.
static NULL: Value = Value::Null;

impl Value {
    /// The member `name` of an object (`None` when absent or not an object).
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Why a text is not JSON, or not the JSON expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// What was wrong (`expected a string`).
    pub what: &'static str,
    /// Where: a byte offset while parsing, the field path while decoding
    /// (`emails.from.email`).
    pub at: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)?;
        if !self.at.is_empty() {
            f.write_str(" at ")?;
            f.write_str(&self.at)?;
        }
        Ok(())
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    pub fn new(what: &'static str) -> Self {
        JsonError { what, at: String::new() }
    }

    /// The error, one field further out (`name` then what it had).
    fn within(mut self, name: &str) -> Self {
        self.at = if self.at.is_empty() { name.to_owned() } else { [name, ".", &self.at].concat() };
        self
    }
}

/// Deepest nesting of arrays and objects [`parse`] accepts (a limit, so that
/// hostile input cannot exhaust the stack).
pub const MAX_DEPTH: usize = 64;

/// Parses one JSON text (surrounding whitespace allowed).
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut parser = Parser { bytes: text.as_bytes(), pos: 0 };
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

/// Parses `text` and decodes it as `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, JsonError> {
    T::from_json(&parse(text)?)
}

/// `text` as a JSON string literal, quotes included.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> JsonError {
        JsonError { what, at: self.pos.to_string() }
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Consumes `word` (after its first byte, already seen).
    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, JsonError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("unknown literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_space();
        match self.bytes.get(self.pos) {
            None => Err(self.error("unexpected end")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.close(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.close(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                if !self.close(b'}') {
                    loop {
                        self.skip_space();
                        if self.bytes.get(self.pos) != Some(&b'"') {
                            return Err(self.error("expected a member name"));
                        }
                        let name = self.string()?;
                        self.expect(b':')?;
                        members.push((name, self.value(depth + 1)?));
                        if self.close(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Ok(Value::Object(members))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    fn close(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.pos) == Some(&byte);
        self.pos += found as usize;
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.close(byte) {
            Ok(())
        } else {
            Err(self.error(if byte == b':' { "expected `:`" } else { "expected `,` or a closing bracket" }))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        self.pos += (self.bytes[self.pos] == b'-') as usize;
        let int_start = self.pos;
        let int = self.digits();
        if int == 0 || (int > 1 && self.bytes[int_start] == b'0') {
            return Err(self.error("malformed number"));
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("malformed number"));
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("malformed number"));
            }
        }
        // ASCII only, so the slice is on character boundaries.
        Ok(Value::Number(String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned()))
    }

    /// Four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self.bytes.get(self.pos).and_then(|b| (*b as char).to_digit(16));
            n = n * 16 + digit.ok_or_else(|| self.error("malformed \\u escape"))?;
            self.pos += 1;
        }
        Ok(n)
    }

    /// A string literal, at its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err(self.error("unterminated string"));
            };
            self.pos += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(&escape) = self.bytes.get(self.pos) else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    let c = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) && self.bytes[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("unpaired surrogate"));
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(code).ok_or_else(|| self.error("unpaired surrogate"))?
                        }
                        _ => return Err(self.error("unknown escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.error("control character in a string")),
                _ => out.push(byte),
            }
        }
        // The input is a `str` and escapes add whole characters.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }
}

/// A type the browser reads from the APIs' JSON.
pub trait FromJson: Sized {
    fn from_json(value: &Value) -> Result<Self, JsonError>;
}

/// `impl FromJson` for a struct whose JSON members are named like its
/// fields (serde's derive without renames): `from_json_fields!(Panel {
/// user, version, phones });`.
#[macro_export]
macro_rules! from_json_fields {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl $crate::json::FromJson for $ty {
            fn from_json(value: &$crate::json::Value) -> Result<Self, $crate::json::JsonError> {
                Ok($ty { $($field: $crate::json::field(value, stringify!($field))?),* })
            }
        }
    };
}
pub use from_json_fields;

/// The member `name` of `object` as `T`; absent reads as `null`.
pub fn field<T: FromJson>(object: &Value, name: &str) -> Result<T, JsonError> {
    if !matches!(object, Value::Object(_)) {
        return Err(JsonError::new("expected an object"));
    }
    T::from_json(object.get(name).unwrap_or(&NULL)).map_err(|e| e.within(name))
}

impl FromJson for Value {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        Ok(value.clone())
    }
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            _ => Err(JsonError::new("expected a string")),
        }
    }
}

impl FromJson for bool {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::Bool(b) => Ok(*b),
            _ => Err(JsonError::new("expected true or false")),
        }
    }
}

/// Integers, read from their digits (`1.0` is not one, as with serde).
macro_rules! integer {
    ($($ty:ty),*) => {$(
        impl FromJson for $ty {
            fn from_json(value: &Value) -> Result<Self, JsonError> {
                match value {
                    Value::Number(n) => n.parse().map_err(|_| JsonError::new("expected an integer in range")),
                    _ => Err(JsonError::new("expected an integer")),
                }
            }
        }
    )*};
}
integer!(i64, u64, u16);

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self, JsonError> {
        match value {
            Value::Array(items) => items.iter().map(T::from_json).collect(),
            _ => Err(JsonError::new("expected an array")),
        }
    }
}

#[cfg(test)]
mod tests;
