//! SIP over a byte stream — TCP, or TLS over it (RFC 3261 §18): messages cut
//! by [`super::framing`], written back-to-back; RFC 5626 keep-alives
//! answered.

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::framing::{Framed, Framer};
use super::{Inbound, Outbound};

/// Bytes read at a time.
const READ_CHUNK: usize = 8 * 1024;

/// `io` as a connection's outbound sink and inbound stream.
pub fn split<S>(
    io: S,
) -> (impl Sink<Outbound, Error = std::io::Error> + Send + Unpin + 'static, impl Stream<Item = Inbound> + Send + Unpin + 'static)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (reader, writer) = tokio::io::split(io);
    let sink = Box::pin(futures_util::sink::unfold(writer, |mut writer, out: Outbound| async move {
        match out {
            Outbound::Message(text) => writer.write_all(text.as_bytes()).await?,
            Outbound::Ping => writer.write_all(b"\r\n\r\n").await?,
            Outbound::Pong => writer.write_all(b"\r\n").await?,
            Outbound::Close(_) => writer.shutdown().await?,
        }
        writer.flush().await?;
        Ok::<_, std::io::Error>(writer)
    }));
    let stream = Box::pin(futures_util::stream::unfold(Some((reader, Framer::default())), |state| async move {
        let (mut reader, mut framer) = state?;
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            if let Some(framed) = framer.next_framed() {
                let (inbound, go_on) = match framed {
                    Framed::Message(text) => (Inbound::Message(text), true),
                    Framed::Ping => (Inbound::Ping, true),
                    Framed::TooBig(head) => (Inbound::Unreadable { head, status: 513 }, false),
                    Framed::Unframeable(head) => (Inbound::Unreadable { head, status: 400 }, false),
                };
                return Some((inbound, go_on.then_some((reader, framer))));
            }
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return Some((Inbound::Closed, None)),
                Ok(n) => framer.push(&chunk[..n]),
            }
        }
    }));
    (sink, stream)
}
