//! A stand-in for `wasm-streams` 0.5, put in its place by the workspace's
//! `[patch.crates-io]`. Leptos always links its server-function client,
//! which links `wasm-streams` for streaming request and response bodies;
//! that crate exports JavaScript classes, so its code stays in the `.wasm`
//! (about 6 KiB gzipped, docs/frontend-size.md) although Rollcall has no
//! server functions. This offers the four calls `server_fn` makes; a
//! stream made here carries nothing but an error saying why. Remove the
//! patch if the app ever uses streaming server functions.

pub mod readable {
    use std::pin::Pin;

    use futures_util::stream::{self, Stream, StreamExt};
    use wasm_bindgen::JsValue;

    /// The browser's stream type.
    pub mod sys {
        pub use web_sys::ReadableStream;
    }

    /// What [`ReadableStream::into_stream`] gives.
    pub type IntoStream<'a> = Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>> + 'a>>;

    const NOT_BUILT_IN: &str = "streaming server functions are not built into this app";

    /// A browser `ReadableStream`.
    pub struct ReadableStream {
        raw: Option<sys::ReadableStream>,
    }

    impl ReadableStream {
        pub fn from_raw(raw: sys::ReadableStream) -> Self {
            Self { raw: Some(raw) }
        }

        /// Not supported: the result, once sent, is an empty body.
        pub fn from_stream<St>(_stream: St) -> Self
        where
            St: Stream<Item = Result<JsValue, JsValue>> + 'static,
        {
            Self { raw: sys::ReadableStream::new().ok() }
        }

        pub fn into_raw(self) -> sys::ReadableStream {
            self.raw.unwrap_or_else(|| sys::ReadableStream::new().unwrap_or_else(|_| wasm_bindgen::throw_str(NOT_BUILT_IN)))
        }

        /// Not supported: one error, then the end.
        pub fn into_stream(self) -> IntoStream<'static> {
            stream::once(async { Err(JsValue::from_str(NOT_BUILT_IN)) }).boxed_local()
        }
    }
}

pub use readable::ReadableStream;
