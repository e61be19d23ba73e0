//! A workspace's choice about reply drafts, and what its drafts cost.

use serde::{Deserialize, Serialize};

/// Off until a manager opts the workspace in (reviews then go to the instance's model).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftSettings {
    pub enabled: bool,
    /// A few sentences on how the business speaks ("warm, first names, no emojis").
    pub voice: String,
}

/// The longest brand voice, in characters.
pub const MAX_VOICE: usize = 1000;

/// One day's drafts of a workspace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftUsage {
    /// Drafts asked for (counted when asked, so a failing server still uses the cap).
    pub drafts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl DraftUsage {
    pub fn add(&mut self, o: &DraftUsage) {
        self.drafts += o.drafts;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
    }

    pub fn tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}
