//! A file button that reads the chosen text file (an `.eml`, a `.vcf`) in
//! the browser and hands its text on. Files are small; the server parses
//! them and refuses broken ones with a clear message.

use leptos::prelude::*;

#[component]
pub fn FileUpload(label: &'static str, accept: &'static str, testid: &'static str, on_file: Callback<String>) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(target_arch = "wasm32")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // The same file can be chosen again later.
            input.set_value("");
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    // The page that asked may be gone by now.
                    on_file.try_run(text.as_string().unwrap_or_default());
                }
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = (ev, on_file);
    };
    view! {
        <label class="upload">
            <span class="link">{label}</span>
            <input type="file" accept=accept data-testid=testid on:change=on_change />
        </label>
    }
}
