//! SIP over WebSocket (RFC 7118): one SIP message per text frame (binary
//! frames holding UTF-8 are accepted too), pings answered by the WebSocket
//! layer, close codes for what ended the connection.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tracing::{debug, info};

use super::{close_code, Closing, Inbound, Outbound};

/// The WebSocket layer refuses frames above this (close code 1009); SIP's
/// own limit ([`rollcall_shared::MAX_MESSAGE_BYTES`], answered with 513)
/// sits below it so that it can be answered.
pub const MAX_FRAME_BYTES: usize = 256 * 1024;

/// `socket` as a connection's inbound stream and outbound sink.
pub fn split(
    socket: WebSocket,
) -> (impl Sink<Outbound, Error = axum::Error> + Send + Unpin + 'static, impl Stream<Item = Inbound> + Send + Unpin + 'static) {
    let (sink, stream) = socket.split();
    let sink = sink.with(|out: Outbound| {
        futures_util::future::ready(Ok::<_, axum::Error>(match out {
            Outbound::Message(text) => Message::Text(text.into()),
            Outbound::Ping => Message::Ping(Default::default()),
            Outbound::Pong => Message::Pong(Default::default()),
            Outbound::Close((code, reason)) => Message::Close(Some(CloseFrame { code, reason: reason.into() })),
        }))
    });
    let stream = stream.map(|frame| match frame {
        Ok(Message::Text(t)) => Inbound::Message(t.to_string()),
        Ok(Message::Binary(b)) => match String::from_utf8(b.to_vec()) {
            Ok(t) => Inbound::Message(t),
            Err(_) => Inbound::Refused((close_code::INVALID_DATA, "SIP messages are UTF-8 text")),
        },
        Ok(Message::Close(_)) => Inbound::Closed,
        Ok(_) => Inbound::Heard, // ping/pong: pings are answered by the WebSocket layer
        Err(e) => match read_error_close(e) {
            Some(closing) => Inbound::Refused(closing),
            None => Inbound::Closed,
        },
    });
    (sink, stream)
}

/// The close frame a read error deserves: 1009 for a frame over
/// [`MAX_FRAME_BYTES`], 1007 for text that is not UTF-8; `None` when the
/// connection is already gone.
fn read_error_close(error: axum::Error) -> Option<Closing> {
    use tokio_tungstenite::tungstenite::Error as WsError;
    let inner = error.into_inner();
    match inner.downcast_ref::<WsError>() {
        Some(WsError::Capacity(_)) => {
            info!("closing: a frame over {MAX_FRAME_BYTES} bytes");
            Some((close_code::TOO_BIG, "message too big"))
        }
        Some(WsError::Utf8(_)) => Some((close_code::INVALID_DATA, "SIP messages are UTF-8 text")),
        _ => {
            debug!(error = %inner, "read failed");
            None
        }
    }
}
