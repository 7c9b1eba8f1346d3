//! Just enough of WAV to read what espeak-ng writes: RIFF, a `fmt ` chunk
//! of 16-bit PCM, a `data` chunk. espeak-ng writing to a pipe cannot know
//! its length and says `0x7FFFF000`, so a data chunk longer than what is
//! there is read to the end. Anything else is an error, never a panic.

/// The sample rate and the samples (the first channel) of a 16-bit PCM WAV.
pub fn read(bytes: &[u8]) -> Result<(u32, Vec<i16>), String> {
    if bytes.get(..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WAVE") {
        return Err("not a WAV file".into());
    }
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut format = None;
    let mut at = 12;
    while let (Some(id), Some(size)) = (bytes.get(at..at + 4), u32_at(at + 4)) {
        let body = at + 8;
        match id {
            b"fmt " => {
                let (Some(kind), Some(channels), Some(rate), Some(bits)) =
                    (u16_at(body), u16_at(body + 2), u32_at(body + 4), u16_at(body + 14))
                else {
                    return Err("a short fmt chunk".into());
                };
                if kind != 1 || bits != 16 || channels == 0 || rate == 0 {
                    return Err(format!("not 16-bit PCM (format {kind}, {bits} bits, {channels} channels, {rate} Hz)"));
                }
                format = Some((rate, channels as usize));
            }
            b"data" => {
                let (rate, channels) = format.ok_or("data before fmt")?;
                let end = body.saturating_add(size as usize).min(bytes.len());
                let data = bytes.get(body..end).unwrap_or(&[]);
                let samples = data.chunks_exact(2 * channels).map(|frame| i16::from_le_bytes([frame[0], frame[1]])).collect();
                return Ok((rate, samples));
            }
            _ => {}
        }
        at = body.saturating_add(size as usize).saturating_add(size as usize & 1);
    }
    Err("no data chunk".into())
}
