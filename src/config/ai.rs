//! `[ai]`: the model that drafts replies, chosen by the operator (off unless configured).
//! Any OpenAI-compatible chat-completions endpoint: a local Ollama, llama.cpp server or vLLM,
//! or a hosted provider.

use super::ConfigError;
use super::validate::{Locate, fail};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AiConfig {
    /// Reply drafts are offered only when this is true (and a workspace opts in).
    pub enabled: bool,
    /// The API's base, e.g. `http://127.0.0.1:11434/v1` (Ollama) or `https://api.openai.com/v1`;
    /// `/chat/completions` is appended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<url::Url>,
    pub model: String,
    /// A file holding the API key (sent as a bearer token); none for a local server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<PathBuf>,
    /// How long one call may take before "the model server did not answer in N s".
    pub timeout_secs: u64,
    /// Further tries after a failed call (timeouts, 429, 5xx), with a short pause.
    pub retries: u32,
    /// Drafts one workspace may ask for per day (UTC).
    pub daily_drafts_per_workspace: u32,
    /// The longest answer asked of the model, in tokens.
    pub max_tokens: u32,
    /// Estimated cost, for the workspace page: currency units per million tokens (0: free, e.g.
    /// a local model).
    pub cost_per_million_tokens: f64,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: None,
            model: String::new(),
            api_key_file: None,
            timeout_secs: 20,
            retries: 1,
            daily_drafts_per_workspace: 200,
            max_tokens: 400,
            cost_per_million_tokens: 0.0,
        }
    }
}

impl AiConfig {
    /// The API key, read from its file (trimmed); `None` without a file.
    pub fn api_key(&self) -> std::io::Result<Option<String>> {
        self.api_key_file
            .as_ref()
            .map(|p| std::fs::read_to_string(p).map(|s| s.trim().to_string()))
            .transpose()
    }
}

pub(super) fn validate(ai: &AiConfig, locate: Locate) -> Result<(), ConfigError> {
    if !ai.enabled {
        return Ok(());
    }
    let Some(url) = &ai.base_url else {
        return Err(fail(
            locate,
            "ai.base_url",
            "set the model server's address, e.g. http://127.0.0.1:11434/v1, or ai.enabled = false",
        ));
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(fail(
            locate,
            "ai.base_url",
            "expected an http or https address",
        ));
    }
    if ai.model.trim().is_empty() {
        return Err(fail(
            locate,
            "ai.model",
            "name the model, e.g. `llama3.1:8b`",
        ));
    }
    if let Err(e) = ai.api_key() {
        return Err(fail(
            locate,
            "ai.api_key_file",
            format!("cannot read it: {e}"),
        ));
    }
    if ai.timeout_secs == 0 || ai.timeout_secs > 600 {
        return Err(fail(locate, "ai.timeout_secs", "expected 1 to 600 seconds"));
    }
    if ai.max_tokens == 0 || ai.max_tokens > 8192 {
        return Err(fail(locate, "ai.max_tokens", "expected 1 to 8192"));
    }
    if !(ai.cost_per_million_tokens.is_finite() && ai.cost_per_million_tokens >= 0.0) {
        return Err(fail(
            locate,
            "ai.cost_per_million_tokens",
            "expected 0 or more",
        ));
    }
    Ok(())
}
