//! Reply drafts from the model the operator chose (`[ai]`): the chat-completions client, the
//! prompt (review text passed as data, never as instructions) and the cleaning every draft
//! goes through before a person sees it.

pub mod client;
pub mod prompt;
pub mod sanitize;

pub use client::{ChatMessage, Completion, ModelClient, ModelError};
