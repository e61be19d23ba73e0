//! Shapes the API documents for fields whose Rust type is a plain `String`: the patterns and
//! names the services accept, so schema-valid input is accepted and the rest is refused.

use crate::domain::Password;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// A display name: not blank, no control characters.
pub const NAME: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// Free text that may span lines: no control characters but newlines.
pub const TEXT: &str = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f]*$";
/// An IANA time zone name (`Area/City`, `Area/Sub/City`) or `UTC`.
pub const TIMEZONE: &str = r"^(UTC|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)(/[A-Za-z0-9_+-]{1,40}){1,2})$";
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
