//! One error type for the core, split by whose fault it is, converted to Python once.

use pyo3::exceptions::PyException;
use pyo3::{create_exception, PyErr};

create_exception!(_core, CoreError, PyException, "Base class of every error raised by the core.");
create_exception!(_core, ImageFormatError, CoreError, "The image's bytes are damaged or not what they claim to be.");
create_exception!(_core, UnsupportedError, CoreError, "The image is valid but uses a feature the core does not read.");
create_exception!(_core, LimitError, CoreError, "The work would exceed a configured limit.");
create_exception!(_core, ImageIoError, CoreError, "The image could not be read from its storage.");
create_exception!(_core, RequestError, CoreError, "The request asks for something the image does not have.");

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
    /// What a remote source's Python reader raised, passed back to Python as it is.
    #[error("{0}")]
    Reader(PyErr),
}

pub type Result<T> = std::result::Result<T, Error>;

pub fn format_error(msg: impl Into<String>) -> Error {
    Error::Format(msg.into())
}

pub fn unsupported(msg: impl Into<String>) -> Error {
    Error::Unsupported(msg.into())
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::Format(m) => ImageFormatError::new_err(m),
            Error::Unsupported(m) => UnsupportedError::new_err(m),
            Error::Limit(m) => LimitError::new_err(m),
            Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                ImageFormatError::new_err("the image file ends before its data does")
            }
            Error::Io(e) => ImageIoError::new_err(e.kind().to_string()),
            Error::Request(m) => RequestError::new_err(m),
            Error::Reader(e) => e,
        }
    }
}
