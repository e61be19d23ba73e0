//! The one error type services return: each variant is a clear, safe answer for the caller.
use crate::store::kv;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input; the message says which field and why.
    #[error("{0}")]
    Invalid(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Known caller, action not allowed for its role or scope.
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or belongs to a workspace the caller cannot see (the same answer on purpose).
    #[error("no such object")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// An emailed link's token that is unknown, used or expired: nothing is there any more.
    #[error("{0}")]
    InvalidLink(String),
    /// The workspace's plan does not allow this.
    #[error("{0}")]
    PlanLimit(String),
    #[error("too many attempts; try again in {retry_after} seconds")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<kv::Error> for Error {
    fn from(e: kv::Error) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

impl From<crate::store::Refused> for Error {
    fn from(r: crate::store::Refused) -> Self {
        use crate::store::Refused;
        match r {
            Refused::NotFound => Self::NotFound,
            Refused::LastOwner => Self::Conflict("a workspace keeps at least one owner".into()),
            Refused::OverLimit { limit } => {
                Self::PlanLimit(format!("the workspace's plan allows {limit}"))
            }
            Refused::AlreadyMember => Self::Conflict("that address is a member already".into()),
            Refused::AlreadyInvited => Self::Conflict(
                "that address has a pending invitation; revoke it to send a new one".into(),
            ),
        }
    }
}
