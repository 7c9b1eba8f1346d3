//! One connection to a SIP peer, whatever the transport: a WebSocket
//! (`ws://`, `wss://`), or SIP over UDP, TCP or TLS (`sip:host:port;
//! transport=…`, RFC 3261 §18) — messages in and out as text, TCP and TLS
//! cut by Content-Length with RFC 5626 keep-alives answered. The drivers of
//! the one user agent use it: the gateway's client (`sip_client`) and the
//! SIP bridge's trunk (`bridge::sip::signalling`).

use futures_util::{SinkExt, StreamExt};
use rollcall_shared::sip::Transport;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::im_server::transport::{stream, Inbound, Outbound};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where [`ClientConfig::url`] points: the transport, and for the SIP port
/// the address.
pub fn target(url: &str) -> anyhow::Result<(Transport, Option<String>)> {
    if url.starts_with("wss:") {
        return Ok((Transport::Wss, None));
    }
    if url.starts_with("ws:") {
        return Ok((Transport::Ws, None));
    }
    let rest = url.strip_prefix("sip:").ok_or_else(|| anyhow::anyhow!("not a ws:, wss: or sip: URL: {url}"))?;
    let (hostport, params) = rest.split_once(';').unwrap_or((rest, ""));
    let transport = match params.split(';').find_map(|p| p.strip_prefix("transport=")).unwrap_or("udp") {
        "udp" => Transport::Udp,
        "tcp" => Transport::Tcp,
        "tls" => Transport::Tls,
        other => anyhow::bail!("unknown transport {other} in {url}"),
    };
    Ok((transport, Some(hostport.to_owned())))
}

/// One connection to the IM server, whatever the transport.
pub enum Link {
    Ws(Box<Ws>),
    /// TCP or TLS: messages cut by Content-Length, keep-alives answered.
    Stream {
        sink: std::pin::Pin<Box<dyn futures_util::Sink<Outbound, Error = std::io::Error> + Send>>,
        stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = Inbound> + Send>>,
    },
    Udp(tokio::net::UdpSocket),
}

impl Link {
    /// Connects to `url`; the link and its local address (for the Via and
    /// Contact of the SIP port's transports).
    pub async fn connect(url: &str) -> anyhow::Result<(Link, Option<String>)> {
        let (transport, address) = target(url)?;
        let Some(address) = address else {
            let mut request = url.into_client_request()?;
            request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
            // wss:// with Mozilla's roots and any `--ca-cert`; ws:// stays plain.
            let connector = tokio_tungstenite::Connector::Rustls(crate::edge::tls::client_config()?);
            let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(request, None, true, Some(connector)).await?;
            return Ok((Link::Ws(Box::new(ws)), None));
        };
        if transport == Transport::Udp {
            let socket = tokio::net::UdpSocket::bind(("0.0.0.0", 0)).await?;
            socket.connect(&address).await?;
            let local = socket.local_addr()?.to_string();
            return Ok((Link::Udp(socket), Some(local)));
        }
        let tcp = TcpStream::connect(&address).await?;
        tcp.set_nodelay(true)?;
        let local = tcp.local_addr()?.to_string();
        let (sink, stream) = if transport == Transport::Tls {
            let host = address.rsplit_once(':').map_or(address.as_str(), |(h, _)| h).trim_matches(['[', ']']).to_owned();
            let name = rustls_pki_types::ServerName::try_from(host)?;
            let tls = tokio_rustls::TlsConnector::from(crate::edge::tls::client_config()?).connect(name, tcp).await?;
            let (sink, stream) = stream::split(tls);
            (Box::pin(sink) as _, Box::pin(stream) as _)
        } else {
            let (sink, stream) = stream::split(tcp);
            (Box::pin(sink) as _, Box::pin(stream) as _)
        };
        Ok((Link::Stream { sink, stream }, Some(local)))
    }

    pub async fn send(&mut self, text: String) -> bool {
        match self {
            Link::Ws(ws) => ws.send(tokio_tungstenite::tungstenite::Message::Text(text.into())).await.is_ok(),
            Link::Stream { sink, .. } => sink.send(Outbound::Message(text)).await.is_ok(),
            Link::Udp(socket) => socket.send(text.as_bytes()).await.is_ok(),
        }
    }

    /// The next message; `None` once the link is gone.
    pub async fn recv(&mut self) -> Option<String> {
        loop {
            match self {
                Link::Ws(ws) => match ws.next().await {
                    Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => return Some(text.to_string()),
                    Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) | None | Some(Err(_)) => return None,
                    Some(Ok(_)) => {}
                },
                Link::Stream { sink, stream } => match stream.next().await {
                    Some(Inbound::Message(text)) => return Some(text),
                    Some(Inbound::Ping) => {
                        let _ = sink.send(Outbound::Pong).await;
                    }
                    Some(Inbound::Heard) => {}
                    Some(Inbound::Closed | Inbound::Refused(_) | Inbound::Unreadable { .. }) | None => return None,
                },
                Link::Udp(socket) => {
                    let mut buf = vec![0u8; 65_535];
                    // An error is ICMP port unreachable from an earlier
                    // send: the server is not there (yet); Timers E and F cope.
                    if let Ok(n) = socket.recv(&mut buf).await {
                        return Some(String::from_utf8_lossy(&buf[..n]).into_owned());
                    }
                }
            }
        }
    }

    pub async fn close(&mut self) {
        match self {
            Link::Ws(ws) => {
                let _ = SinkExt::close(ws.as_mut()).await;
            }
            Link::Stream { sink, .. } => {
                let _ = sink.send(Outbound::Close((1000, "bye"))).await;
            }
            Link::Udp(_) => {}
        }
    }
}
