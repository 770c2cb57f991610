//! One error type for the core, split by whose fault it is; `bindings` turns it into Python's
//! exceptions, once.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Format(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Limit(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Request(String),
    /// The caller stopped the work (see `limits::Stop`).
    #[error("the work was stopped before it was done")]
    Stopped,
    /// What a remote source's reader raised, passed back to its caller as it is.
    #[error("{0}")]
    Reader(Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T> = std::result::Result<T, Error>;

pub fn format_error(msg: impl Into<String>) -> Error {
    Error::Format(msg.into())
}

pub fn unsupported(msg: impl Into<String>) -> Error {
    Error::Unsupported(msg.into())
}
