//! `--config FILE`: `key = value` lines (blank lines and `#` comments
//! allowed). Each key is a flag's long name (`conference-token`), and
//! becomes the environment variable that flag reads (`ROLLCALL_CONFERENCE_TOKEN`)
//! unless that variable is already set — so the command line wins over the
//! environment, and the environment over the file. Keeping secrets such as
//! passwords and keys in a file (mode 600) keeps them out of `ps`.

use anyhow::Context;

/// Finds `--config FILE` / `--config=FILE` in `args` and loads that file.
/// Must run before any other thread starts (it sets environment variables).
pub fn load_from_args(args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let args: Vec<String> = args.collect();
    let path = args.iter().enumerate().find_map(|(i, a)| {
        if a == "--config" {
            args.get(i + 1).cloned()
        } else {
            a.strip_prefix("--config=").map(str::to_string)
        }
    });
    let Some(path) = path else { return Ok(()) };
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading config file {path}"))?;
    for (key, value) in parse(&text).with_context(|| format!("in config file {path}"))? {
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
        }
    }
    Ok(())
}

/// The `(ROLLCALL_KEY, value)` pairs of a config file.
pub fn parse(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').with_context(|| format!("line {}: expected `key = value`", n + 1))?;
        let key = key.trim();
        anyhow::ensure!(
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "line {}: `{key}` is not a flag name",
            n + 1
        );
        let value = value.trim().trim_matches('"');
        out.push((format!("ROLLCALL_{}", key.to_ascii_uppercase().replace('-', "_")), value.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
