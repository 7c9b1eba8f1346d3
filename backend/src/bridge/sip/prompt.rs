//! The announcement a screened leg hears until it is admitted (see
//! [`Dial::announcement`](crate::bridge::Dial::announcement)): the
//! conference service's text spoken by `espeak-ng`, made when the call is
//! placed so that it is usually ready when the phone answers.
//!
//! The text comes from a stranger (an e-mail's subject), so it is cut to
//! [`MAX_TEXT_CHARS`], stripped of control characters and passed to
//! espeak-ng as one argument after `--` (no shell, never read as an
//! option); espeak-ng gets [`TIME_LIMIT`], its WAV is read up to
//! [`MAX_WAV_BYTES`], and at most [`AT_ONCE`] run together. Its 22,050 Hz
//! is resampled to the bridge's 8 kHz ([`resample`]) off the runtime's
//! threads. Without espeak-ng, or when it fails, the leg hears a recorded
//! prompt instead (`backend/assets/announcement-fallback.ulaw`, made by
//! espeak-ng: [`FALLBACK_TEXT`]); the log says which it got.

pub mod resample;
pub mod wav;

use std::process::Stdio;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use audio_codec_algorithms::decode_ulaw;
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;

use super::media::codec::{Frame, FRAME_SAMPLES, SAMPLE_RATE, SILENCE};
use crate::bridge::LegId;

/// Characters of the text spoken at most.
pub const MAX_TEXT_CHARS: usize = 300;
/// Bytes of espeak-ng's WAV taken at most (some 45 s at 22,050 Hz); a
/// longer one is cut there.
pub const MAX_WAV_BYTES: usize = 2 << 20;
/// How long espeak-ng may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);
/// Syntheses running at once at most (a conference dials many legs at
/// once; the rest wait their turn, within their time limit).
pub const AT_ONCE: usize = 4;
/// The silence between two playings of the announcement, in frames (2 s).
pub const PAUSE_FRAMES: u32 = 100;
/// What the recorded fallback prompt says.
pub const FALLBACK_TEXT: &str = "You are being called into a conference. Press 1 to join, or hang up.";

static SYNTHESES: Semaphore = Semaphore::const_new(AT_ONCE);

/// The fallback prompt: 8 kHz µ-law, made once with espeak-ng (the
/// ignored test `prompt::tests::write_the_fallback_prompt` makes it again).
static FALLBACK_ULAW: &[u8] = include_bytes!("../../../assets/announcement-fallback.ulaw");
static FALLBACK: LazyLock<Arc<[i16]>> = LazyLock::new(|| FALLBACK_ULAW.iter().map(|&b| decode_ulaw(b)).collect());

/// An announcement's audio (8 kHz), empty until it is ready. Shared by
/// the task that makes it and the room that plays it.
#[derive(Debug, Clone, Default)]
pub struct Announcement(Arc<OnceLock<Arc<[i16]>>>);

impl Announcement {
    /// Starts speaking `text` for `leg` (on the runtime it is called on).
    pub fn synthesise(leg: LegId, text: &str) -> Announcement {
        Announcement::spoken_by("espeak-ng", leg, text)
    }

    /// As [`Announcement::synthesise`], with `program` as espeak-ng.
    fn spoken_by(program: &'static str, leg: LegId, text: &str) -> Announcement {
        let announcement = Announcement::default();
        let slot = announcement.clone();
        let text = speakable(text);
        tokio::spawn(async move {
            let spoken = match tokio::time::timeout(TIME_LIMIT, speak(program, &text)).await {
                Ok(spoken) => spoken,
                Err(_) => Err(format!("took more than {TIME_LIMIT:?}")),
            };
            let samples = match spoken {
                Ok(samples) => {
                    let seconds = samples.len() as f64 / SAMPLE_RATE as f64;
                    tracing::info!(%leg, seconds, "announcement synthesised with espeak-ng");
                    samples
                }
                Err(error) => {
                    tracing::warn!(%leg, %error, "announcement: espeak-ng failed; the recorded fallback prompt is played");
                    Arc::clone(&FALLBACK)
                }
            };
            let _ = slot.0.set(samples);
        });
        announcement
    }

    /// An announcement of these samples, ready now.
    pub fn ready(samples: Arc<[i16]>) -> Announcement {
        let announcement = Announcement::default();
        let _ = announcement.0.set(samples);
        announcement
    }

    /// The recorded fallback prompt.
    pub fn fallback() -> Announcement {
        Announcement::ready(Arc::clone(&FALLBACK))
    }

    /// The audio, once it is ready.
    pub fn samples(&self) -> Option<&[i16]> {
        self.0.get().map(|samples| &samples[..])
    }
}

/// `text` as it is given to espeak-ng: control characters as spaces, at
/// most [`MAX_TEXT_CHARS`].
pub fn speakable(text: &str) -> String {
    let cut: String = text.chars().take(MAX_TEXT_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    cut.trim().to_owned()
}

/// Runs `program` (espeak-ng) on `text`: its speech at 8 kHz.
async fn speak(program: &str, text: &str) -> Result<Arc<[i16]>, String> {
    if text.is_empty() {
        return Err("no text to speak".into());
    }
    let _turn = SYNTHESES.acquire().await.map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new(program)
        .args(["--stdout", "--", text])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    let mut bytes = Vec::new();
    let stdout = child.stdout.take().ok_or("no standard output")?;
    stdout.take(MAX_WAV_BYTES as u64).read_to_end(&mut bytes).await.map_err(|e| e.to_string())?;
    let cut = bytes.len() >= MAX_WAV_BYTES;
    if cut {
        let _ = child.start_kill();
    }
    let status = child.wait().await.map_err(|e| e.to_string())?;
    if !status.success() && !cut {
        return Err(format!("{program} exited with {status}"));
    }
    let samples = tokio::task::spawn_blocking(move || {
        let (rate, samples) = wav::read(&bytes)?;
        Ok::<_, String>(resample::resample(&samples, rate, SAMPLE_RATE))
    })
    .await
    .map_err(|e| e.to_string())??;
    if samples.is_empty() {
        return Err(format!("{program} said nothing"));
    }
    Ok(samples.into())
}

/// Plays an announcement to one screened leg, 20 ms at a time: once,
/// then again after [`PAUSE_FRAMES`] of silence, for as long as it is
/// asked; silence while the announcement is not ready yet.
#[derive(Debug)]
pub struct Player {
    announcement: Announcement,
    at: usize,
    pause: u32,
}

impl Player {
    pub fn new(announcement: Announcement) -> Player {
        Player { announcement, at: 0, pause: 0 }
    }

    /// The next frame the leg hears.
    pub fn next_frame(&mut self, out: &mut Frame) {
        *out = SILENCE;
        let Some(samples) = self.announcement.samples() else { return };
        if self.pause > 0 {
            self.pause -= 1;
            return;
        }
        let end = (self.at + FRAME_SAMPLES).min(samples.len());
        out[..end - self.at].copy_from_slice(&samples[self.at..end]);
        self.at = end;
        if self.at >= samples.len() {
            self.at = 0;
            self.pause = PAUSE_FRAMES;
        }
    }
}

#[cfg(test)]
mod tests;
