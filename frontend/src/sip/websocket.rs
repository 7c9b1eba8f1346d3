//! The SIP WebSocket in the browser (wasm32 only): web-sys's `WebSocket`
//! with its events turned into a channel the driver can `select!` on. This
//! is the part of gloo-net we used, in the few lines it takes; gloo-net
//! also brought streams support that the `.wasm` had to carry whether used
//! or not (docs/frontend-size.md).

use futures::channel::mpsc::{self, UnboundedReceiver};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};

/// What the socket reports.
pub enum SocketEvent {
    /// A text frame. Binary frames are not reported: SIP goes in text
    /// frames here (RFC 7118).
    Text(String),
    /// An error or the close: the connection is over.
    Closed,
}

/// Where a socket is in its life (the browser's `readyState`).
#[derive(PartialEq, Eq)]
pub enum State {
    Connecting,
    Open,
    /// Closing or closed.
    Closed,
}

/// One WebSocket. Dropping it closes it.
pub struct Socket {
    ws: WebSocket,
    /// Frames, then `Closed`, in the order the browser delivered them.
    pub events: UnboundedReceiver<SocketEvent>,
    // The event handlers live as long as the socket is ours.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_end: Closure<dyn FnMut(web_sys::Event)>,
}

impl Socket {
    /// Opens `url` asking for `protocol`; an error (in words) when the
    /// browser refuses the URL.
    pub fn open(url: &str, protocol: &str) -> Result<Socket, String> {
        let ws = WebSocket::new_with_str(url, protocol)
            .map_err(|e| e.as_string().unwrap_or_else(|| "the browser refused the URL".to_owned()))?;
        let (sender, events) = mpsc::unbounded();
        let frames = sender.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                let _ = frames.unbounded_send(SocketEvent::Text(text));
            }
        });
        let on_end = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let _ = sender.unbounded_send(SocketEvent::Closed);
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_end.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_end.as_ref().unchecked_ref()));
        Ok(Socket { ws, events, _on_message: on_message, _on_end: on_end })
    }

    pub fn state(&self) -> State {
        match self.ws.ready_state() {
            WebSocket::CONNECTING => State::Connecting,
            WebSocket::OPEN => State::Open,
            _ => State::Closed,
        }
    }

    /// Sends one text frame; false if the socket is not open.
    pub fn send(&self, text: &str) -> bool {
        self.state() == State::Open && self.ws.send_with_str(text).is_ok()
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // No handler may run once the closures are gone.
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
