//! SIP transports (RFC 3261 §18, RFC 7118): what a Via names, and whether
//! the transport itself retransmits.

/// The transport a message travels on, as a Via names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    /// The Via's transport token (RFC 3261 §20.42, RFC 7118 §5).
    pub fn via_name(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
        }
    }

    /// The transport a Via's token names ([`Transport::via_name`]), any case.
    pub fn from_via_name(name: &str) -> Option<Transport> {
        [Transport::Udp, Transport::Tcp, Transport::Tls, Transport::Ws, Transport::Wss]
            .into_iter()
            .find(|t| t.via_name().eq_ignore_ascii_case(name))
    }

    /// The `transport=` URI parameter (RFC 3261 §19.1.1, RFC 7118 §5.2).
    pub fn uri_param(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp | Transport::Tls => "tcp",
            Transport::Ws | Transport::Wss => "ws",
        }
    }

    /// Reliable: the transport retransmits, so requests are not resent on
    /// timers A and E (RFC 3261 §17.1.1.2, §17.1.2.2). Everything but UDP.
    pub fn is_reliable(self) -> bool {
        self != Transport::Udp
    }

    /// WebSocket (the browser's transport, RFC 7118).
    pub fn is_websocket(self) -> bool {
        matches!(self, Transport::Ws | Transport::Wss)
    }
}

#[cfg(test)]
mod tests;
