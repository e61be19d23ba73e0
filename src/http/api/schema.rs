//! Shapes the API documents for fields whose Rust type is a plain `String`: the patterns and
//! names the services accept, so schema-valid input is accepted and the rest is refused.

use crate::domain::Password;
use schemars::{JsonSchema, Schema, SchemaGenerator};

pub use crate::domain::shapes::{LINE as NAME, TAG, TEXT, TEXT_NOT_BLANK, WEB_URL};
/// An https link on Google's review hosts, or empty.
pub const GOOGLE_URL: &str = r"^(|https://([a-z0-9-]+\.)*(google\.com|g\.page|goo\.gl)(/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?)$";
/// An https link on Facebook's hosts, or empty.
pub const FACEBOOK_URL: &str = r"^(|https://([a-z0-9-]+\.)*(facebook\.com|fb\.com|fb\.me)(/[A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?)$";

/// A plan name from this instance's `[plans.*]`; the served document lists them.
#[derive(JsonSchema)]
#[schemars(extend("x-plaudit-plans" = true))]
#[allow(dead_code)] // a shape for the document, never built
pub struct Plan(String);

/// A new password: its length rules, and not one of the most common passwords.
pub fn new_password(_: &mut SchemaGenerator) -> Schema {
    let common: Vec<&str> = Password::common().collect();
    schemars::json_schema!({
        "type": "string",
        "minLength": Password::MIN_CHARS,
        "maxLength": Password::MAX_CHARS,
        "not": {"enum": common},
    })
}

/// A time zone name from the database this build uses (IANA names such as `Europe/Rome`), listed
/// in full so that a name the document allows is one the server knows.
#[allow(dead_code)] // a shape for the document, never built
pub struct TimeZoneName(String);

impl JsonSchema for TimeZoneName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeZoneName".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| crate::domain::is_timezone_name(n))
            .collect();
        names.sort();
        names.dedup();
        schemars::json_schema!({"type": "string", "enum": names})
    }
}
