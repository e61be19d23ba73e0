//! Talking to review providers: OAuth now; the Google and Facebook connectors come next.

pub mod oauth;
