//! SIP digest authentication: RFC 2617 as used by RFC 3261 §22, with the
//! SHA-256 algorithm of RFC 8760 (RFC 7616 hashing). Used by the IM server
//! (challenge, verify against a stored HA1), the gateway and the browser
//! (answer a challenge; the password never leaves the client).

use md5::Md5;
use sha2::{Digest as _, Sha256};
use std::fmt::Write as _;

use crate::sip::quote;

/// `algorithm=` of a challenge or credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// Wire name: `MD5` or `SHA-256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }
    /// Case-insensitive; `None` for anything else (including `-sess` variants).
    pub fn parse(s: &str) -> Option<Algorithm> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }
    /// Lower-case hex of the hash of `data`.
    pub fn hex_hash(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 => to_hex(&Md5::digest(data)),
            Algorithm::Sha256 => to_hex(&Sha256::digest(data)),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("not a Digest header")]
    NotDigest,
    #[error("malformed Digest header: {0}")]
    Malformed(String),
    #[error("missing `{0}` parameter")]
    Missing(&'static str),
    #[error("unsupported algorithm `{0}`")]
    UnsupportedAlgorithm(String),
}

/// `WWW-Authenticate` / `Proxy-Authenticate: Digest ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `qop="auth"` offered.
    pub qop_auth: bool,
    pub stale: bool,
}

/// `Authorization` / `Proxy-Authorization: Digest ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    /// Hex digest.
    pub response: String,
    pub algorithm: Algorithm,
    pub opaque: Option<String>,
    /// Present with qop=auth.
    pub cnonce: Option<String>,
    /// Present with qop=auth (`nc=00000001` on the wire).
    pub nc: Option<u32>,
    /// `Some("auth")` or `None` (RFC 2069 compatibility).
    pub qop: Option<String>,
}

/// HA1 = H(username ":" realm ":" password), lower-case hex.
pub fn ha1(algorithm: Algorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hex_hash(format!("{username}:{realm}:{password}").as_bytes())
}

/// The `response` value from HA1 (RFC 2617 §3.2.2.1).
/// With `qop = Some("auth")`, `nc` and `cnonce` are required.
///
/// (If they are missing anyway, they hash as `00000000` and the empty string,
/// which no real client produces. HA2 is always `H(method ":" uri)`: `auth-int`
/// is not supported.)
// The RFC's eight inputs, each named as it names them.
#[allow(clippy::too_many_arguments)]
pub fn response(
    algorithm: Algorithm,
    ha1: &str,
    nonce: &str,
    nc: Option<u32>,
    cnonce: Option<&str>,
    qop: Option<&str>,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = algorithm.hex_hash(format!("{method}:{uri}").as_bytes());
    let data = match qop {
        Some(qop) => format!("{ha1}:{nonce}:{:08x}:{}:{qop}:{ha2}", nc.unwrap_or(0), cnonce.unwrap_or("")),
        None => format!("{ha1}:{nonce}:{ha2}"),
    };
    algorithm.hex_hash(data.as_bytes())
}

// ---------------------------------------------------------------------------
// Header parsing: `Digest` 1*SP #auth-param (RFC 7235 §2.1, RFC 3261 §25.1).

/// Splits `Digest a=b, c="d"` into lower-cased names and unquoted values.
/// Longest `Digest …` header value parsed; longer ones are malformed
/// (real ones are a few hundred bytes).
pub const MAX_HEADER_LEN: usize = 4096;
/// Most parameters in one header (RFC 7616 defines about a dozen).
pub const MAX_PARAMS: usize = 24;
/// Longest value of one parameter.
pub const MAX_VALUE_LEN: usize = 1024;

fn parse_digest_params(value: &str) -> Result<Vec<(String, String)>, DigestError> {
    // Bounded work for a stranger's header: length, count and value size
    // are capped before anything is compared, so the duplicate check below
    // costs at most MAX_PARAMS² comparisons of short names.
    if value.len() > MAX_HEADER_LEN {
        return Err(DigestError::Malformed(format!("longer than {MAX_HEADER_LEN} bytes")));
    }
    let value = value.trim_matches(is_ws);
    let scheme_end = value.find(is_ws).unwrap_or(value.len());
    let (scheme, rest) = value.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(DigestError::NotDigest);
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    let mut params: Vec<(String, String)> = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && is_ws(chars[*i]) {
            *i += 1;
        }
    };
    loop {
        // Empty list elements (`,,`) are allowed by the #rule.
        while i < chars.len() && (is_ws(chars[i]) || chars[i] == ',') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && is_token_char(chars[i]) {
            i += 1;
        }
        if i == start {
            return Err(DigestError::Malformed(format!("unexpected `{}` where a parameter name was expected", chars[i])));
        }
        let name: String = chars[start..i].iter().collect::<String>().to_ascii_lowercase();
        skip_ws(&mut i);
        if i >= chars.len() || chars[i] != '=' {
            return Err(DigestError::Malformed(format!("parameter `{name}` has no value")));
        }
        i += 1;
        skip_ws(&mut i);
        let mut val = String::new();
        if i < chars.len() && chars[i] == '"' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        val.push(chars[i + 1]);
                        i += 2;
                    }
                    '"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    c => {
                        val.push(c);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(DigestError::Malformed(format!("unterminated quoted string in `{name}`")));
            }
        } else {
            let vstart = i;
            while i < chars.len() && is_token_char(chars[i]) {
                i += 1;
            }
            if i == vstart {
                return Err(DigestError::Malformed(format!("parameter `{name}` has no value")));
            }
            val = chars[vstart..i].iter().collect();
        }
        skip_ws(&mut i);
        if i < chars.len() && chars[i] != ',' {
            return Err(DigestError::Malformed(format!("unexpected `{}` after parameter `{name}`", chars[i])));
        }
        if val.len() > MAX_VALUE_LEN {
            return Err(DigestError::Malformed(format!("parameter `{name}` is longer than {MAX_VALUE_LEN} bytes")));
        }
        if params.iter().any(|(n, _)| *n == name) {
            return Err(DigestError::Malformed(format!("duplicate parameter `{name}`")));
        }
        if params.len() == MAX_PARAMS {
            return Err(DigestError::Malformed(format!("more than {MAX_PARAMS} parameters")));
        }
        params.push((name, val));
    }
    Ok(params)
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// RFC 7230 `tchar`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn required<'a>(params: &'a [(String, String)], name: &'static str) -> Result<&'a str, DigestError> {
    param(params, name).ok_or(DigestError::Missing(name))
}

fn algorithm_param(params: &[(String, String)]) -> Result<Algorithm, DigestError> {
    match param(params, "algorithm") {
        None => Ok(Algorithm::Md5),
        Some(a) => Algorithm::parse(a).ok_or_else(|| DigestError::UnsupportedAlgorithm(a.to_owned())),
    }
}

/// The one comparison of secrets in Rollcall (digest responses, bearer
/// tokens): constant time for equal lengths, so response timing does not
/// reveal how much of a guess was right. Only the length can show; secrets
/// compared with it are of a fixed, public length (a hex hash, a token).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

impl Challenge {
    /// Parse a header value (`Digest realm="…", nonce="…", …`).
    ///
    /// Parameter names and the scheme are case-insensitive, values may be
    /// quoted or tokens, unknown parameters (`domain`, `charset`, …) are
    /// ignored. A missing `algorithm` means MD5; `qop` is a list and
    /// `qop_auth` is set when it contains `auth`.
    pub fn parse(value: &str) -> Result<Challenge, DigestError> {
        let params = parse_digest_params(value)?;
        let realm = required(&params, "realm")?.to_owned();
        let nonce = required(&params, "nonce")?.to_owned();
        let algorithm = algorithm_param(&params)?;
        let qop_auth =
            param(&params, "qop").map(|q| q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth"))).unwrap_or(false);
        let stale = param(&params, "stale").is_some_and(|s| s.trim().eq_ignore_ascii_case("true"));
        Ok(Challenge { realm, nonce, opaque: param(&params, "opaque").map(str::to_owned), algorithm, qop_auth, stale })
    }
    /// The header value.
    pub fn to_header_value(&self) -> String {
        let mut out = format!("Digest realm={}, nonce={}", quote(&self.realm), quote(&self.nonce));
        if let Some(opaque) = &self.opaque {
            let _ = write!(out, ", opaque={}", quote(opaque));
        }
        let _ = write!(out, ", algorithm={}", self.algorithm.as_str());
        if self.qop_auth {
            out.push_str(", qop=\"auth\"");
        }
        if self.stale {
            out.push_str(", stale=true");
        }
        out
    }
    /// Client side: answer this challenge with a password.
    /// `nc` counts the uses of this nonce by this client, from 1.
    ///
    /// With `qop_auth` the answer uses `qop=auth`, `nc` and `cnonce`;
    /// otherwise it is an RFC 2069 answer and `nc`/`cnonce` are not used.
    pub fn answer(&self, username: &str, password: &str, method: &str, uri: &str, cnonce: &str, nc: u32) -> Credentials {
        let ha1 = ha1(self.algorithm, username, &self.realm, password);
        let (qop, nc, cnonce) =
            if self.qop_auth { (Some("auth".to_owned()), Some(nc), Some(cnonce.to_owned())) } else { (None, None, None) };
        let response = response(self.algorithm, &ha1, &self.nonce, nc, cnonce.as_deref(), qop.as_deref(), method, uri);
        Credentials {
            username: username.to_owned(),
            realm: self.realm.clone(),
            nonce: self.nonce.clone(),
            uri: uri.to_owned(),
            response,
            algorithm: self.algorithm,
            opaque: self.opaque.clone(),
            cnonce,
            nc,
            qop,
        }
    }
}

impl Credentials {
    /// Parse an `Authorization` / `Proxy-Authorization` value.
    ///
    /// `username`, `realm`, `nonce`, `uri` and `response` are required; with
    /// `qop`, `nc` (exactly 8 hex digits) and `cnonce` are required too. The
    /// `qop` value is stored lower-cased; anything but `auth` parses but never
    /// verifies.
    pub fn parse(value: &str) -> Result<Credentials, DigestError> {
        let params = parse_digest_params(value)?;
        let username = required(&params, "username")?.to_owned();
        let realm = required(&params, "realm")?.to_owned();
        let nonce = required(&params, "nonce")?.to_owned();
        let uri = required(&params, "uri")?.to_owned();
        let response = required(&params, "response")?.to_owned();
        let algorithm = algorithm_param(&params)?;
        let qop = param(&params, "qop").map(|q| q.trim().to_ascii_lowercase());
        let (nc, cnonce) = if qop.is_some() {
            let nc = required(&params, "nc")?;
            if nc.len() != 8 || !nc.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DigestError::Malformed(format!("nc `{nc}` is not 8 hex digits")));
            }
            let nc = u32::from_str_radix(nc, 16).map_err(|_| DigestError::Malformed(format!("nc `{nc}` is not 8 hex digits")))?;
            (Some(nc), Some(required(&params, "cnonce")?.to_owned()))
        } else {
            (None, None)
        };
        Ok(Credentials {
            username,
            realm,
            nonce,
            uri,
            response,
            algorithm,
            opaque: param(&params, "opaque").map(str::to_owned),
            cnonce,
            nc,
            qop,
        })
    }
    /// The header value (`Digest username="…", realm="…", …`).
    pub fn to_header_value(&self) -> String {
        let mut out = format!(
            "Digest username={}, realm={}, nonce={}, uri={}, response={}, algorithm={}",
            quote(&self.username),
            quote(&self.realm),
            quote(&self.nonce),
            quote(&self.uri),
            quote(&self.response),
            self.algorithm.as_str()
        );
        if let Some(opaque) = &self.opaque {
            let _ = write!(out, ", opaque={}", quote(opaque));
        }
        if let Some(qop) = &self.qop {
            let _ = write!(out, ", qop={qop}");
            if let Some(nc) = self.nc {
                let _ = write!(out, ", nc={nc:08x}");
            }
            if let Some(cnonce) = &self.cnonce {
                let _ = write!(out, ", cnonce={}", quote(cnonce));
            }
        }
        out
    }
    /// Server side: is `response` right for this stored HA1 and method?
    /// Compares in constant time. Nonce freshness and nc ordering are the
    /// caller's business.
    ///
    /// `ha1` must be the HA1 for `self.algorithm`, `self.username` and
    /// `self.realm`; checking that `uri` matches the Request-URI and `realm`
    /// is the server's realm is the caller's business too. Only `qop=auth`
    /// (with `nc` and `cnonce`) and no-qop answers can verify.
    pub fn verify(&self, ha1: &str, method: &str) -> bool {
        match self.qop.as_deref() {
            None => {}
            Some("auth") if self.nc.is_some() && self.cnonce.is_some() => {}
            Some(_) => return false,
        }
        let expected = response(
            self.algorithm,
            &ha1.to_ascii_lowercase(),
            &self.nonce,
            self.nc,
            self.cnonce.as_deref(),
            self.qop.as_deref(),
            method,
            &self.uri,
        );
        constant_time_eq(expected.as_bytes(), self.response.to_ascii_lowercase().as_bytes())
    }
}

#[cfg(test)]
mod tests;
