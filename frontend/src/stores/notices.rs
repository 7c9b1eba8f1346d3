//! The error banner's lines: Faults from the gateway and requests that
//! could not be delivered, until dismissed.

use leptos::prelude::*;

/// One line of the error banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: u64,
    pub text: String,
}

#[derive(Debug, Clone, Copy)]
pub struct NoticeBoard {
    pub list: RwSignal<Vec<Notice>>,
}

impl NoticeBoard {
    pub(super) fn new() -> NoticeBoard {
        NoticeBoard { list: RwSignal::new(Vec::new()) }
    }

    pub fn notify(&self, text: String) {
        self.list.update(|n| {
            let id = n.last().map_or(1, |last| last.id + 1);
            n.push(Notice { id, text });
        });
    }

    pub fn dismiss(&self, id: u64) {
        self.list.update(|n| n.retain(|x| x.id != id));
    }
}
