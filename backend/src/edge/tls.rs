//! TLS with rustls (ring), no OpenSSL: the server side for every listener
//! given `--tls-cert`/`--tls-key` (HTTPS, and WSS on the same port), the
//! client side for parts that reach `https://`/`wss://` peers, and
//! `rollcall dev-cert` for a self-signed certificate to try it with.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use rollcall_shared::sync::LockExt;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Makes ring the process's rustls provider (reqwest and tokio-tungstenite
/// build their client configs with the default). Idempotent.
///
/// ring rather than aws-lc-rs: no C toolchain step, a much lighter build on
/// these machines. rustls 0.23.48 deprecates it for lacking post-quantum
/// key exchange; moving to aws-lc-rs is a one-line change when that matters.
#[allow(deprecated)]
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A server configuration from a PEM certificate chain and a PEM private
/// key (PKCS#8, PKCS#1 or SEC1), offering HTTP/1.1 by ALPN.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    install_provider();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading the certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("parsing the certificate {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading the private key {}", key.display()))?;
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the certificate and key do not go together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Certificates trusted besides Mozilla's roots, by every client this
/// process makes (`--ca-cert`: a private CA, or a self-signed certificate).
static EXTRA_ROOTS: Mutex<Vec<CertificateDer<'static>>> = Mutex::new(Vec::new());

fn extra_roots() -> Vec<CertificateDer<'static>> {
    EXTRA_ROOTS.locked().clone()
}

/// Trusts every certificate of the PEM file `file` from now on, in every
/// HTTPS and WSS client of this process.
pub fn trust_file(file: &Path) -> anyhow::Result<()> {
    let pem = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    trust_pem(&pem).with_context(|| format!("{}", file.display()))
}

/// Like [`trust_file`], from PEM text.
pub fn trust_pem(pem: &[u8]) -> anyhow::Result<()> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pem).collect::<Result<_, _>>().context("not PEM certificates")?;
    anyhow::ensure!(!certs.is_empty(), "no certificate in it");
    EXTRA_ROOTS.locked().extend(certs);
    Ok(())
}

/// The TLS client configuration of WSS connections: Mozilla's roots
/// (webpki-roots) and the [`trust_file`]d ones.
pub fn client_config() -> anyhow::Result<Arc<ClientConfig>> {
    install_provider();
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for cert in extra_roots() {
        roots.add(cert).context("a trusted certificate is not usable as a root")?;
    }
    Ok(Arc::new(ClientConfig::builder().with_root_certificates(roots).with_no_client_auth()))
}

/// An HTTP client builder (rustls) trusting the same roots.
pub fn http_client() -> anyhow::Result<reqwest::ClientBuilder> {
    install_provider();
    let mut builder = reqwest::Client::builder().use_rustls_tls().tcp_nodelay(true);
    for cert in extra_roots() {
        builder = builder.add_root_certificate(reqwest::Certificate::from_der(&cert).context("a trusted certificate")?);
    }
    Ok(builder)
}

/// A self-signed certificate and its key, as PEM, for `names` (DNS names
/// or IP addresses).
pub fn self_signed(names: &[String]) -> anyhow::Result<(String, String)> {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(names.to_vec()).context("making a self-signed certificate")?;
    Ok((cert.pem(), key_pair.serialize_pem()))
}

#[cfg(test)]
mod tests;
